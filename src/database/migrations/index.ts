import { InitialSchema1796014600969 } from './1796014600969-InitialSchema';
import { ChangeGenerations1796018629257 } from './1796018629257-ChangeGenerations';
import { ChannelsSchema1796171474800 } from './1796171474800-ChannelsSchema';
import { PublicClipsGeneration1796171513057 } from './1796171513057-PublicClipsGeneration';
import { LiveStatus1796173075079 } from './1796173075079-LiveStatus';
import { DeliveryReferencesByTrigger1796174454487 } from './1796174454487-DeliveryReferencesByTrigger';
import { ChannelsGeneration1796175202761 } from './1796175202761-ChannelsGeneration';
import { SessionFamilies1796176125083 } from './1796176125083-SessionFamilies';
import { Notifications1796180000000 } from './1796180000000-Notifications';
import { ChefeClipNotifications1796190000000 } from './1796190000000-ChefeClipNotifications';

/** Every migration, oldest first. The app and the TypeORM CLI run this same list. */
export const MIGRATIONS = [
  InitialSchema1796014600969,
  ChangeGenerations1796018629257,
  ChannelsSchema1796171474800,
  PublicClipsGeneration1796171513057,
  LiveStatus1796173075079,
  DeliveryReferencesByTrigger1796174454487,
  ChannelsGeneration1796175202761,
  SessionFamilies1796176125083,
  Notifications1796180000000,
  ChefeClipNotifications1796190000000,
];
