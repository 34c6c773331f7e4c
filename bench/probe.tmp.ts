import { startStack } from '/work/main/bench/lib/stack';
import { runLoadProcess } from '/work/main/bench/lib/run-load';
import { onboardSource } from '/work/main/test/support/source-flow';
(async () => {
  const stack = await startStack();
  const { appId } = stack.intercom.addWorkspace({ name: 'B' });
  await onboardSource(stack, { projectId: 'p', appId, identityMapping: 'user_id' });
  const r = await runLoadProcess({
    url: `${stack.apiUrl}/intercom/webhooks`,
    secret: stack.intercom.clientSecret,
    appId,
    durationSeconds: 5,
    connections: 32,
    runId: 'x',
    precomputed: 20000,
  });
  console.log('rps', r.requests.average);
  console.log('API LOG', stack.api.log.length, stack.api.log.slice(-1500));
  console.log('WORKER LOG', stack.worker.log.length, stack.worker.log.slice(-1500));
  await stack.stop();
})();
