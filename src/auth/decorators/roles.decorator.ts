import { SetMetadata } from '@nestjs/common';

export const ROLES_KEY = 'roles';

/** Restricts a route to callers holding one of these roles. */
export const Roles = (...roles: Array<'admin' | 'viewer'>) => SetMetadata(ROLES_KEY, roles);
