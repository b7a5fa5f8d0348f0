import { UserRole } from '../../src/users/entities/user.entity';
import { UsersService } from '../../src/users/users.service';
import { TestApp } from './test-app';

let sequence = 0;

export interface TestUser {
  id: number;
  username: string;
  password: string;
  role: UserRole;
}

/** A user in the app's database, created through the same service the CLI uses. */
export async function createUser(
  testApp: TestApp,
  overrides: Partial<Omit<TestUser, 'id'>> = {},
): Promise<TestUser> {
  sequence++;
  const username = overrides.username ?? `user${sequence}_${process.pid}`;
  const password = overrides.password ?? `password-${sequence}-long-enough`;
  const role = overrides.role ?? 'admin';
  const user = await testApp.app.get(UsersService).createOrUpdate(username, password, role);
  return { id: user.id, username, password, role };
}

export interface Session {
  user: TestUser;
  accessToken: string;
  refreshToken: string;
  /** `Authorization` header value. */
  bearer: string;
}

/** Creates a user with this role and logs in through the HTTP API. */
export async function loginAs(testApp: TestApp, role: UserRole = 'admin'): Promise<Session> {
  const user = await createUser(testApp, { role });
  const response = await testApp
    .http()
    .post('/auth/login')
    .send({ username: user.username, password: user.password })
    .expect(200);
  const body = response.body as { access_token: string; refresh_token: string };
  return {
    user,
    accessToken: body.access_token,
    refreshToken: body.refresh_token,
    bearer: `Bearer ${body.access_token}`,
  };
}
