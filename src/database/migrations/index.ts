import { InitialSchema1796014600969 } from './1796014600969-InitialSchema';
import { ChangeGenerations1796018629257 } from './1796018629257-ChangeGenerations';
import { SessionFamilies1796172774337 } from './1796172774337-SessionFamilies';

/** Every migration, oldest first. The app and the TypeORM CLI run this same list. */
export const MIGRATIONS = [
  InitialSchema1796014600969,
  ChangeGenerations1796018629257,
  SessionFamilies1796172774337,
];
