import type { DestinationAction } from '../context';
import { performSendEvent } from './perform';

/** "Send Events": Amplitude events become Intercom data events of contacts that exist. Fields: ./fields.ts. */
export const sendEvent: DestinationAction = {
  title: 'Send Events',
  rowKind: 'event',
  perform: performSendEvent,
};
