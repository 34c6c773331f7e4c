import { defineSignal, setHandler, workflowInfo, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * A workflow interceptor module for the workflow unit tests (testkit/workflow-test-bed.ts). Temporal's
 * time-skipping test server never suggests continue-as-new, so a test asks for it with this signal: from then
 * on, in this run, `workflowInfo().continueAsNewSuggested` is true, as when a real server finds the history long.
 * The workflow code under test is unchanged; the suggestion comes from a signal in the history, so a replay
 * sees it at the same point.
 */
export const suggestContinueAsNewSignal = defineSignal('test.suggestContinueAsNew');

export const interceptors: WorkflowInterceptorsFactory = () => {
  let suggested = false;
  // The SDK rebuilds the info object on each activation, so the flag is set again on every one.
  const apply = () => {
    if (suggested) (workflowInfo() as { continueAsNewSuggested: boolean }).continueAsNewSuggested = true;
  };
  setHandler(suggestContinueAsNewSignal, () => {
    suggested = true;
    apply();
  });
  return {
    internals: [
      {
        activate(input, next) {
          apply();
          return next(input);
        },
      },
    ],
  };
};
