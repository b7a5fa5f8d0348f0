import { createSecretKey, KeyObject } from 'node:crypto';
import type { JwtModuleOptions } from '@nestjs/jwt';
import type { AuthSection } from '../config/configuration';

/** The one algorithm Clipador signs and accepts: an `alg: none`, HS512 or RS256 token is refused. */
export const JWT_ALGORITHM = 'HS256';

/**
 * The signing secret as a KeyObject, made once per module: jsonwebtoken verifies ~30× faster with
 * one than with a string, which matters because every authenticated request verifies a token.
 */
export function jwtKey(auth: AuthSection): KeyObject {
  return createSecretKey(Buffer.from(auth.jwtSecret, 'utf8'));
}

/** JwtModule's options: the key and HS256 pinned for signing and for verifying. */
export function jwtModuleOptions(auth: AuthSection): JwtModuleOptions {
  return {
    secret: jwtKey(auth),
    signOptions: { algorithm: JWT_ALGORITHM },
    verifyOptions: { algorithms: [JWT_ALGORITHM] },
  };
}
