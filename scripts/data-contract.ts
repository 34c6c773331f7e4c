import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';
import { TOPIC_GROUPS, topicGroupOf, type TopicGroup } from '../src/source/topic-groups';
import { CURRENT_TOPICS, LEGACY_TOPIC_RENAMES, LEGACY_TOPICS } from '../src/source/topics';
import { commonEventProperties, EVENT_TYPE_PREFIX } from '../src/source/transform';
import type { IntercomNotification } from '../src/intercom/webhook-envelope';

/**
 * The per-topic-group part of the README's data contract, printed from the topic table
 * (src/source/topic-groups.ts) so the two cannot drift: `npm run docs:data-contract` rewrites the
 * README between the markers; test/unit/scripts/data-contract.test.ts fails when they differ.
 */
export const README_PATH = path.join(__dirname, '..', 'README.md');
export const START_MARKER =
  '<!-- data-contract:start (generated from src/source/topic-groups.ts by `npm run docs:data-contract`) -->';
export const END_MARKER = '<!-- data-contract:end -->';

const code = (names: readonly string[]) => names.map((n) => `\`${n}\``).join(', ');

/** Topics of the catalogue in a group: 2.x names, then the 1.x names that are not also 2.x names. */
function topicsOf(group: TopicGroup): { current: string[]; legacy: string[] } {
  const inGroup = (topic: string) => topicGroupOf(topic) === group;
  const current: readonly string[] = CURRENT_TOPICS;
  return {
    current: current.filter(inGroup),
    legacy: LEGACY_TOPICS.filter((topic) => inGroup(topic) && !current.includes(topic)),
  };
}

/** The generated markdown, before formatting. */
export function renderDataContract(): string {
  const envelope: IntercomNotification = {
    type: 'notification_event',
    app_id: '',
    id: null,
    topic: '',
    created_at: 0,
    data: { type: 'notification_event_data', item: {} },
  };
  const lines: string[] = [
    START_MARKER,
    '',
    `Every event: \`event_type\` \`${EVENT_TYPE_PREFIX}<topic>\`; \`user_id\` per the identity mapping (above); ` +
      "`time` when Intercom created the notification; `insert_id` from the fact's dedupe key, so redeliveries, " +
      'backfills and a change of event naming never import a fact twice. Event properties on every event: ' +
      `${code(Object.keys(commonEventProperties(envelope, undefined)))} (\`intercom_topic\` is the topic as sent). ` +
      'Properties without a value in the payload are left out, never sent as null.',
    '',
  ];
  for (const group of TOPIC_GROUPS) {
    const { current, legacy } = topicsOf(group);
    const userProperties = group.userProperties?.({}, `${group.prefixes[0]}updated`);
    lines.push(
      `#### ${group.label}`,
      '',
      `- **Topics:** ${code(current)}${legacy.length > 0 ? `; 1.x: ${code(legacy)}` : ''}`,
      `- **Person:** ${group.docs.person}`,
      `- **Event properties:** ${code(Object.keys(group.eventProperties({})))}` +
        (group.docs.eventPropertiesNote ? `, ${group.docs.eventPropertiesNote}` : ''),
      `- **User properties:** ${userProperties ? code(Object.keys(userProperties)) : 'none'}` +
        (group.docs.userPropertiesNote ? `; ${group.docs.userPropertiesNote}` : ''),
      `- **Dedupe key** (\`T\` = the 2.x topic): ${group.docs.dedupeKey}`,
      `- **Time of the fact** (backfilled events): ${group.docs.factTime}`,
      '',
    );
  }
  lines.push(
    'With `eventNaming: "normalized"`, 1.x topics are named by their 2.x names:',
    '',
    '| 1.x topic | event type when normalised |',
    '| --- | --- |',
    ...Object.entries(LEGACY_TOPIC_RENAMES).map(
      ([legacy, current]) => `| \`${legacy}\` | \`${EVENT_TYPE_PREFIX}${current}\` |`,
    ),
    '',
    END_MARKER,
  );
  return lines.join('\n');
}

/** `readme` with its data-contract section replaced, formatted as `npm run format` would. */
export async function readmeWithDataContract(readme: string): Promise<string> {
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  if (start < 0 || end < start) throw new Error(`README.md has no ${START_MARKER} … ${END_MARKER} section`);
  const replaced = readme.slice(0, start) + renderDataContract() + readme.slice(end + END_MARKER.length);
  const options = (await prettier.resolveConfig(README_PATH)) ?? {};
  return prettier.format(replaced, { ...options, filepath: README_PATH });
}

async function main(argv: string[]): Promise<number> {
  const readme = readFileSync(README_PATH, 'utf8');
  const updated = await readmeWithDataContract(readme);
  if (argv.includes('--check')) {
    if (updated === readme) return 0;
    process.stderr.write('README.md data contract is out of date: run `npm run docs:data-contract`\n');
    return 1;
  }
  writeFileSync(README_PATH, updated);
  process.stdout.write(
    updated === readme ? 'README.md data contract is up to date\n' : 'README.md data contract updated\n',
  );
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${(err as Error).stack}\n`);
      process.exit(1);
    },
  );
}
