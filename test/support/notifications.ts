import { TestApp } from './test-app';
import { Session } from './factories';

/** Polls `check` until it returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
  what = 'the condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export interface NotificationItem {
  id: string;
  kind: string;
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
  folded: boolean;
  sent_at: string | null;
}

export async function listNotifications(
  api: TestApp,
  session: Session,
): Promise<NotificationItem[]> {
  const response = await api
    .http()
    .get('/config/me/notifications?limit=200')
    .set('Authorization', session.bearer)
    .expect(200);
  return (response.body as { items: NotificationItem[] }).items;
}

export function putConfig(api: TestApp, session: Session, body: Record<string, unknown>) {
  return api.http().put('/config/me').set('Authorization', session.bearer).send(body);
}
