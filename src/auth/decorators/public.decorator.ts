import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_KEY = 'isPublic';

/** Opens a route to callers without a token; every other route needs one (default deny). */
export const Public = () => SetMetadata(IS_PUBLIC_KEY, true);
