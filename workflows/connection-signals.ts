import { defineSignal } from '@temporalio/workflow';

/**
 * Signals every connection workflow (source and destination) answers, so the API's doorbell,
 * the admin API, the CLI and `temporal workflow signal --name …` work the same on both.
 */

/** "New rows are waiting" (coalesced by the API). */
export const eventsAvailableSignal = defineSignal('eventsAvailable');
export type DisconnectReason = 'operator' | 'intercom_uninstall';
export const disconnectSignal = defineSignal<[{ reason?: DisconnectReason }]>('disconnect');
/** Hold delivery; everything accepted stays queued. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
