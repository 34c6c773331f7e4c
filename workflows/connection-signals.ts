import { defineSignal } from '@temporalio/workflow';
import type { LifecycleEvent } from '../src/delivery/drain';

/**
 * Signals every connection workflow (source, destination, cohort sync) answers, so the admin API, the
 * CLI and `temporal workflow signal --name …` work the same on all of them.
 */

export type DisconnectReason = 'operator' | 'intercom_uninstall' | 'uninstalled_in_intercom';
export const disconnectSignal = defineSignal<[{ reason?: DisconnectReason }]>('disconnect');
/** Hold delivery; everything accepted stays queued. */
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
/** A credential was replaced through the API (it never travels through the workflow): clear an auth error. */
export const credentialsChangedSignal = defineSignal('credentialsChanged');
/** From the delivery shards: only what changes the connection's lifecycle (first delivery, a fatal rejection). */
export const deliveryEventSignal = defineSignal<[LifecycleEvent]>('deliveryEvent');

/** To a delivery shard: "new rows are waiting" (coalesced by the api). */
export const eventsAvailableSignal = defineSignal('eventsAvailable');
