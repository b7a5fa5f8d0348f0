import { InitialSchema1796014600969 } from './1796014600969-InitialSchema';

/** Every migration, oldest first. The app and the TypeORM CLI run this same list. */
export const MIGRATIONS = [InitialSchema1796014600969];
