import { z } from 'zod';

/**
 * The envelope Intercom wraps around every webhook notification, whatever the topic.
 * Objects are loose: real payloads also carry `delivery_status`, `delivered_at`, `links`, `self`,
 * and newer API versions add fields, none of which should make us reject a delivery.
 */
export const IntercomNotificationSchema = z.looseObject({
  type: z.literal('notification_event'),
  /** Workspace id (`app.id_code` from `/me`); routes the notification to its installation. */
  app_id: z.string().min(1),
  /** `notif_<uuid>`; Intercom sends `null` on `ping`. */
  id: z.string().min(1).nullable(),
  topic: z.string().min(1),
  /** Unix seconds when Intercom created the notification. */
  created_at: z.number().int().nonnegative(),
  delivery_attempts: z.number().int().nonnegative().nullish(),
  first_sent_at: z.number().int().nonnegative().nullish(),
  data: z.looseObject({
    type: z.string().optional(),
    item: z.record(z.string(), z.unknown()),
  }),
});

export type IntercomNotification = z.infer<typeof IntercomNotificationSchema>;

export type ParseNotificationResult = { ok: true; notification: IntercomNotification } | { ok: false; error: string };

/** Intercom's objects nest a few levels; anything far deeper is not a notification we can store or read. */
export const MAX_ITEM_DEPTH = 40;

/** Validates an already JSON-decoded webhook body. Never throws. */
export function parseNotification(json: unknown): ParseNotificationResult {
  if (depthExceeds(json, MAX_ITEM_DEPTH + 3)) {
    return { ok: false, error: `invalid Intercom notification: nested deeper than ${MAX_ITEM_DEPTH} levels` };
  }
  const result = IntercomNotificationSchema.safeParse(json);
  if (result.success) return { ok: true, notification: result.data };
  return { ok: false, error: `invalid Intercom notification: ${result.error.issues.map(describeIssue).join('; ')}` };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.map(String).join('.') : 'body';
  if (issue.code === 'invalid_type' && /received undefined$/.test(issue.message)) {
    return `${field} is required`;
  }
  return `${field}: ${issue.message.replace(/^Invalid input: /, '')}`;
}

/** Iterative, so a hostile body cannot overflow the stack while we measure it. */
function depthExceeds(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth >= limit) return true;
    for (const child of Object.values(current as Record<string, unknown>)) stack.push([child, depth + 1]);
  }
  return false;
}
