import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { itemForTopic } from '../testkit/simulators/intercom';
import { startStack, type Stack } from '../testkit/stack';
import { onboardSource, waitForSource } from '../testkit/source-flow';
import { amplitudeEvent, createSync, ingest, updateSettings, waitForSync } from '../testkit/destination-flow';
import { cohortBatch, createCohortSync, postCohort, waitForCohortSync } from '../testkit/cohort-flow';
import { must } from '../testkit/api-driver';
import { eventually } from '../testkit/eventually';

/**
 * Records the histories that test/unit/workflows/replay.test.ts replays against the current workflow code: what
 * running connections of this version look like in Temporal. A change to workflow code that would break them (a
 * command added, removed or reordered for runs already recorded, without a new history form: HISTORY_FORM in
 * workflows/connection-lifecycle.ts) fails that test. Run it again only to add the histories
 * of a new version, keeping the old ones: `npx tsx scripts/record-workflow-histories.ts <version-label>`.
 *
 * Every kind of long-running workflow is left in a state a production one can be in: sources open (Listening,
 * Connected, paused, configured) and disconnected, a destination sync that delivered, changed settings and was
 * paused, a cohort sync that tagged and was disconnected, and the delivery shards that carried their rows.
 */
const label = process.argv[2];
if (!label || !/^[a-z0-9.-]+$/.test(label)) throw new Error('usage: record-workflow-histories.ts <version-label>');
const outDir = path.resolve(__dirname, '../test/unit/workflows/histories', label);

async function signal(stack: Stack, connectionId: string, action: 'pause' | 'resume' | 'disconnect') {
  const response = await stack.admin('POST', `/api/connections/${connectionId}/${action}`);
  must(response.status === 202, `${action} answered ${response.status}`);
}

async function webhook(stack: Stack, appId: string, topic: string) {
  const item = itemForTopic(topic, { appId, contact: { externalId: 'user-42', email: 'ada@example.com' } });
  return stack.intercom.deliverWebhook(`${stack.apiUrl}/intercom/webhooks`, { appId, topic, item });
}

async function sources(stack: Stack) {
  const onboard = async (projectId: string) => {
    const { appId } = stack.intercom.addWorkspace({ name: projectId });
    const { connectionId, callbackStatus } = await onboardSource(stack, {
      projectId,
      appId,
      identityMapping: 'user_id',
    });
    must(callbackStatus === 200, `callback answered ${callbackStatus}`);
    return { appId, connectionId };
  };
  const listening = await onboard('listening');
  await waitForSource(stack, listening.connectionId, (s) => s.status === 'Listening');

  const connected = await onboard('connected');
  await webhook(stack, connected.appId, 'contact.user.created');
  await waitForSource(stack, connected.connectionId, (s) => s.status === 'Connected');

  const paused = await onboard('paused');
  await webhook(stack, paused.appId, 'contact.user.created');
  await waitForSource(stack, paused.connectionId, (s) => s.status === 'Connected');
  await signal(stack, paused.connectionId, 'pause');
  await waitForSource(stack, paused.connectionId, (s) => s.status === 'Paused');
  await signal(stack, paused.connectionId, 'resume');
  await waitForSource(stack, paused.connectionId, (s) => s.status === 'Connected');
  await signal(stack, paused.connectionId, 'pause');
  await waitForSource(stack, paused.connectionId, (s) => s.status === 'Paused');

  const configuring = stack.intercom.addWorkspace({ name: 'configuring' });
  const unmapped = await onboardSource(stack, { projectId: 'configuring', appId: configuring.appId });
  await waitForSource(stack, unmapped.connectionId, (s) => s.status === 'Configuring');
  const configured = await stack.admin('PATCH', `/api/sources/${unmapped.connectionId}/settings`, {
    identityMapping: 'email',
  });
  must(configured.status === 200, `configuring answered ${configured.status}`);

  const gone = await onboard('disconnected');
  await webhook(stack, gone.appId, 'conversation.user.created');
  await waitForSource(stack, gone.connectionId, (s) => s.status === 'Connected');
  await signal(stack, gone.connectionId, 'disconnect');
  await waitForSource(stack, gone.connectionId, (s) => s.status === 'Disconnected');
}

async function destination(stack: Stack) {
  const sync = await createSync(
    stack,
    { status: 'enabled', sendEvents: { enabled: true, eventFilter: { allEvents: true } } },
    'replay sync',
  );
  stack.intercom.seedContacts(sync.appId, [{ externalId: 'user-1' }]);
  const sent = await ingest(stack, sync.ingestKey, [amplitudeEvent('Signed up', { user_id: 'user-1' })]);
  must(sent.status === 200, `ingest answered ${sent.status}`);
  const updated = await updateSettings(stack, sync.connectionId, { status: 'disabled' });
  must(updated.status === 200, `settings answered ${updated.status}`);
  await updateSettings(stack, sync.connectionId, { status: 'enabled' });
  await signal(stack, sync.connectionId, 'pause');
  await waitForSync(stack, sync.connectionId, (s) => s.status === 'Paused');
  await signal(stack, sync.connectionId, 'resume');
  await waitForSync(stack, sync.connectionId, (s) => s.status !== 'Paused');
}

async function cohorts(stack: Stack) {
  const sync = await createCohortSync(stack, { name: 'replay cohort sync' });
  stack.intercom.seedContacts(sync.appId, [{ externalId: 'user-1' }]);
  const posted = await postCohort(stack, sync.ingestKey, cohortBatch(true, ['user-1']));
  must(posted.status < 300, `cohort webhook answered ${posted.status}`);
  await eventually(async () => must(stack.intercom.tags(sync.appId).length > 0, 'no tag yet'), { timeoutMs: 30_000 });
  const disconnected = await stack.admin('POST', `/api/cohort-syncs/${sync.connectionId}/disconnect`, {});
  must(disconnected.status === 202, `disconnect answered ${disconnected.status}`);
  await waitForCohortSync(stack, sync.connectionId, (s) => s.status === 'Disconnected');
}

async function main() {
  const stack = await startStack();
  try {
    await sources(stack);
    await destination(stack);
    await cohorts(stack);
    await new Promise((r) => setTimeout(r, 3_000)); // the shards settle what they claimed
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    let count = 0;
    for await (const execution of stack.client.workflow.list()) {
      const history = await stack.client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      const name = `${execution.workflowId}.${execution.runId.slice(-8)}.json`.replace(/[^A-Za-z0-9._-]/g, '_');
      writeFileSync(path.join(outDir, name), historyToJSON(history) + '\n');
      count += 1;
    }
    console.log(`recorded ${count} histories in ${path.relative(process.cwd(), outDir)}`);
  } finally {
    await stack.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
