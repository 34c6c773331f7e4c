import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { README_PATH, readmeWithDataContract, renderDataContract } from '../../../scripts/data-contract';
import { TOPIC_GROUPS } from '../../../src/source/topic-groups';

describe('README data contract', () => {
  it('matches the topic table (run `npm run docs:data-contract` after changing src/source/topic-groups.ts)', async () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(await readmeWithDataContract(readme)).toBe(readme);
  });

  it('lists every group with its topics, person, properties, dedupe key and time', () => {
    const markdown = renderDataContract();
    for (const group of TOPIC_GROUPS) {
      expect(markdown).toContain(`#### ${group.label}`);
      expect(markdown).toContain(group.docs.dedupeKey);
      for (const property of Object.keys(group.eventProperties({}))) expect(markdown).toContain(`\`${property}\``);
    }
    expect(markdown).toContain('| `user.deleted` | `[Intercom] contact.archived` |');
  });
});
