import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

/** The setup page's wording table (an ES module served to the browser as is). */
interface ReasonsModule {
  REASON_WORDING: Record<string, unknown>;
  hasWording(code: string): boolean;
  describeReason(code: string): { code: string; label: string; help: string; fix?: string };
  REASON_PREFIXES: { prefix: string }[];
}
const REASONS_MODULE = '../../../src/http/setup/lib/reasons.js';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * Reasons that are answers to an HTTP caller or internal states, never part of a connection's status (counters,
 * error, disconnect reason), so the setup page never shows them. By file, with why.
 */
const NOT_SHOWN: Record<string, string> = {
  'src/http/request-body.ts': 'a refused request body is the HTTP answer to its sender',
  'src/amplitude/protocol/parse-upload.ts': 'an undecodable upload is the HTTP answer to the SDK that sent it',
  'src/source/oauth-states.ts': 'an OAuth state that is unknown, used or expired fails the OAuth callback',
  'src/source/inbox-writer.ts': 'a webhook that could not be stored is answered 503 to Intercom, which resends it',
  'src/http/routes/intercom-webhooks.ts': 'a stale webhook is answered to Intercom and never stored',
};

interface Found {
  /** A code, or `prefix*` for a code built from a template (`amplitude_${reason}`). */
  code: string;
  where: string;
}

/**
 * Every reason code the given TypeScript files can produce, read from their syntax: string literals given to
 * anything named `…reason` (a property, a parameter of the called function, a variable), the string literal types
 * of type aliases and properties named `…Reason`, and counter names `dropped:<r>`, `skipped:<r>`, `expired:<r>`.
 * A template literal in those places yields its fixed head as a prefix.
 */
function collectReasonCodes(files: string[], options: ts.CompilerOptions): Found[] {
  const program = ts.createProgram(files, options);
  const checker = program.getTypeChecker();
  const wanted = new Set(files.map((f) => path.resolve(f)));
  const found: Found[] = [];
  const isReasonName = (name: string) => /reason$/i.test(name);
  const codesOf = (expression: ts.Expression): string[] => {
    if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return [expression.text];
    if (ts.isTemplateExpression(expression) && expression.head.text) return [`${expression.head.text}*`];
    if (ts.isConditionalExpression(expression))
      return [...codesOf(expression.whenTrue), ...codesOf(expression.whenFalse)];
    if (ts.isParenthesizedExpression(expression)) return codesOf(expression.expression);
    if (
      ts.isBinaryExpression(expression) &&
      [ts.SyntaxKind.BarBarToken, ts.SyntaxKind.QuestionQuestionToken].includes(expression.operatorToken.kind)
    )
      return [...codesOf(expression.left), ...codesOf(expression.right)];
    return [];
  };
  for (const file of program.getSourceFiles()) {
    if (!wanted.has(path.resolve(file.fileName))) continue;
    const relative = path.relative(ROOT, file.fileName);
    const visit = (node: ts.Node) => {
      const where = `${relative}:${file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1}`;
      const add = (codes: string[]) => codes.forEach((code) => found.push({ code, where }));
      if (ts.isPropertyAssignment(node) && isReasonName(node.name.getText(file))) add(codesOf(node.initializer));
      if (ts.isVariableDeclaration(node) && node.initializer && isReasonName(node.name.getText(file)))
        add(codesOf(node.initializer));
      // A table of reasons (`const INTERCOM_REASONS = { rateLimited: 'rate_limited', … } as const`).
      if (ts.isVariableDeclaration(node) && node.initializer && /reasons$/i.test(node.name.getText(file))) {
        let table: ts.Expression = node.initializer;
        while (ts.isAsExpression(table) || ts.isSatisfiesExpression(table)) table = table.expression;
        if (ts.isObjectLiteralExpression(table))
          for (const property of table.properties)
            if (ts.isPropertyAssignment(property)) add(codesOf(property.initializer));
      }
      if ((ts.isCallExpression(node) || ts.isNewExpression(node)) && node.arguments) {
        const parameters = checker.getResolvedSignature(node)?.getParameters() ?? [];
        parameters.forEach((parameter, index) => {
          const argument = node.arguments![index];
          if (argument && isReasonName(parameter.name)) add(codesOf(argument));
        });
      }
      const reasonType =
        ts.isTypeAliasDeclaration(node) && isReasonName(node.name.text)
          ? node.type
          : ts.isPropertySignature(node) && node.type && isReasonName(node.name.getText(file))
            ? node.type
            : undefined;
      if (reasonType) {
        const literals = (type: ts.TypeNode): string[] =>
          ts.isUnionTypeNode(type)
            ? type.types.flatMap(literals)
            : ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)
              ? [type.literal.text]
              : [];
        add(literals(reasonType));
      }
      if (
        (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) &&
        /^(dropped|skipped|expired):./.test(node.text)
      )
        add([node.text.slice(node.text.indexOf(':') + 1)]);
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return found;
}

function projectOptions() {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(ROOT, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    },
  )!;
  return config;
}

function withoutWording(found: Found[], reasons: ReasonsModule): Found[] {
  return found.filter(({ code }) =>
    code.endsWith('*')
      ? !reasons.REASON_PREFIXES.some((p) => code.slice(0, -1).startsWith(p.prefix))
      : !reasons.hasWording(code),
  );
}

describe('setup page: reason wording', () => {
  let reasons: ReasonsModule;
  let found: Found[];

  beforeAll(async () => {
    reasons = await import(REASONS_MODULE);
    const config = projectOptions();
    // The product's code: what a connection's status can carry comes from here (not from tests or test doubles).
    const files = config.fileNames.filter((f) => /^(src|workflows|activities)\//.test(path.relative(ROOT, f)));
    // noResolve: only our own functions' parameter names matter, so libraries need not be loaded (much faster).
    found = collectReasonCodes(files, { ...config.options, noResolve: true, types: [] }).filter(
      ({ where }) => !Object.hasOwn(NOT_SHOWN, where.slice(0, where.lastIndexOf(':'))),
    );
  }, 60_000);

  it('finds the reasons the code produces (the collector itself works)', () => {
    const codes = new Set(found.map((f) => f.code));
    for (const code of [
      'no_identity',
      'loop_echo',
      'unsupported_topic',
      'filtered_out',
      'sync_disabled',
      'contact_not_found',
      'event_type_limit',
      'internal_error',
      'max_age',
      'auth_revoked',
      'disconnected',
      'amplitude_key_rejected',
      'intercom_token_revoked',
      'uninstalled_in_intercom',
      'amplitude_throttled_request',
      'amplitude_*',
    ])
      expect(codes, code).toContain(code);
  });

  it('has wording for every reason the code can produce', () => {
    const missing = withoutWording(found, reasons).map((f) => `${f.code} (${f.where})`);
    expect(missing).toEqual([]);
  });

  it('words only reasons the code produces (no wording outlives its reason)', () => {
    const codes = new Set(found.map((f) => f.code));
    const prefixes = [...codes].filter((c) => c.endsWith('*')).map((c) => c.slice(0, -1));
    expect(Object.keys(reasons.REASON_WORDING).filter((code) => !codes.has(code))).toEqual([]);
    expect(reasons.REASON_PREFIXES.map((p) => p.prefix).filter((p) => !prefixes.some((q) => q.startsWith(p)))).toEqual(
      [],
    );
  });

  it('fails for a new reason without wording', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'reasons-'));
    const file = path.join(dir, 'new-reason.ts');
    writeFileSync(
      file,
      [
        "type WaitReason = 'brand_new_wait' | 'rate_limited';",
        'function skip(id: number, reason: string) { return { id, reason }; }',
        "export const a = { kind: 'skipped', reason: 'brand_new_skip' };",
        "export const b = skip(1, 'brand_new_argument');",
        "export const c = { 'expired:brand_new_counter': 1 };",
        'export const d = (detail: string) => ({ reason: `brand_new_prefix_${detail}` });',
        "export const w: WaitReason = 'rate_limited';",
      ].join('\n'),
    );
    const collected = collectReasonCodes([file], { strict: true, noEmit: true });
    expect(withoutWording(collected, reasons).map((f) => f.code)).toEqual([
      'brand_new_wait',
      'brand_new_skip',
      'brand_new_argument',
      'brand_new_counter',
      'brand_new_prefix_*',
    ]);
  });

  it('words codes with a detail by their prefix, and shows an unknown code as it is', () => {
    expect(reasons.describeReason('amplitude_invalid_field:time,missing_field:user_id')).toMatchObject({
      label: 'Refused by Amplitude',
      help: 'Amplitude refused the event: invalid field “time”, missing field “user_id”.',
    });
    // An exact entry wins over the prefix.
    expect(reasons.describeReason('amplitude_key_rejected')).toMatchObject({
      label: 'Amplitude rejected the API key',
      fix: 'replace-amplitude-key',
    });
    expect(reasons.describeReason('something_else')).toEqual({
      code: 'something_else',
      label: 'something else',
      help: '',
    });
  });
});
