import { create } from '@bufbuild/protobuf';
import { timestampNow } from '@bufbuild/protobuf/wkt';
import { createClient, createRouterTransport, type ServiceImpl } from '@connectrpc/connect';
import { UserSchema, UserService } from '@liverty-music/gen/user/v1';
import { vi } from 'vitest';
import type { AuthClient, CompletedSignin } from '../src/auth/auth-client';

export const minnie = create(UserSchema, {
  id: '0b8f5f6e-8d5e-4c4b-9a53-6d1f0f7f2a11',
  zitadelUserId: '336494809936035843',
  email: 'mini@mouse.com',
  displayName: 'Minnie Mouse',
  createdAt: timestampNow(),
  updatedAt: timestampNow(),
});

/** A Connect client over an in-memory transport: the real protocol, no network. */
export function userClientWith(
  getOrCreate: ServiceImpl<typeof UserService>['getOrCreate'],
  getMe: ServiceImpl<typeof UserService>['getMe'] = async () => ({ user: minnie }),
) {
  const transport = createRouterTransport(({ service }) => {
    service(UserService, { getOrCreate, getMe });
  });
  return createClient(UserService, transport);
}

export function fakeAuth(overrides: Partial<AuthClient> = {}): AuthClient {
  const signin: CompletedSignin = {
    accessToken: 'token-abc',
    name: 'Minnie',
    isRegistration: true,
  };
  return {
    signUp: vi.fn(async () => {}),
    logIn: vi.fn(async () => {}),
    logOut: vi.fn(async () => {}),
    currentSession: vi.fn(async () => null),
    completeSignin: vi.fn(async () => signin),
    ...overrides,
  };
}
