import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { EntityManager } from 'typeorm';
import type { ChangeGenerations } from '../change-generations/change-generations';
import type { AuthenticatedUser } from '../auth/decorators/current-user.decorator';
import { ValidationFailedError } from '../common/errors/domain.error';
import type { AppConfig } from '../config/configuration';
import { StreamsService } from '../streams/streams.service';
import type { TwitchCredentials } from '../twitch/helix.types';
import { TwitchClient } from '../twitch/twitch.client';
import { TwitchError } from '../twitch/twitch.errors';
import { slotsTotal } from '../users/plan-rules';
import {
  AdminOnlyFieldError,
  SlotLimitReachedError,
  StreamerAlreadyAttachedError,
  StreamerNotAttachedError,
  TwitchLookupUnavailableError,
  TwitchStreamerNotFoundError,
} from './channels.errors';
import {
  ChannelConfigRecord,
  ChannelsRepository,
  ConfigPatch,
  SubscriptionRecord,
} from './channels.repository';
import { AttachStreamerDto, NUMERIC_TWITCH_ID } from './dto/attach-streamer.dto';
import { ChannelConfigDto } from './dto/channel-config.dto';
import { UpdateChannelConfigDto } from './dto/update-channel-config.dto';

/** Configs kept per user; past this many, the oldest entry makes room. */
const MAX_CACHED_CONFIGS = 10_000;

interface CachedConfig {
  /** The change counters read before the answer was built (see change-generations.ts). */
  users: number;
  channels: number;
  config: ChannelConfigDto;
}

/** A streamer as Twitch (or the body) describes it, before the attach stores it. */
interface ResolvedStreamer {
  twitchUserId: string;
  displayName: string | null;
  avatarUrl: string | null;
}

/**
 * The dashboard's Streams page (PRODUCT §12): one user's channel config and subscriptions. Every
 * method acts on the caller only; the streamer rows themselves belong to the streams module.
 */
@Injectable()
export class ChannelsService {
  private readonly logger = new Logger(ChannelsService.name);
  private readonly clipadorCredentials: TwitchCredentials | undefined;
  /**
   * GET /config/me answers by user, reused while neither the `channels` nor the `users` counter
   * moved: both move at the commit of anything a config shows, in any process, so a change is
   * visible on the very next request.
   */
  private readonly cache = new Map<number, CachedConfig>();

  constructor(
    private readonly channels: ChannelsRepository,
    private readonly streams: StreamsService,
    private readonly twitch: TwitchClient,
    config: ConfigService<AppConfig, true>,
  ) {
    const section = config.get('twitch', { infer: true });
    this.clipadorCredentials =
      section.clientId && section.clientSecret
        ? { clientId: section.clientId, clientSecret: section.clientSecret }
        : undefined;
  }

  /**
   * The caller's config; the first call stores the defaults (one idempotent insert). With the
   * counters the guard read for this request, a cached answer at least that recent is reused.
   */
  async getConfig(userId: number, generations?: ChangeGenerations): Promise<ChannelConfigDto> {
    if (!generations) return this.loadConfig(userId);
    const cached = this.cache.get(userId);
    if (cached && cached.users >= generations.users && cached.channels >= generations.channels) {
      return cached.config;
    }
    const config = await this.loadConfig(userId);
    this.cache.delete(userId);
    if (this.cache.size >= MAX_CACHED_CONFIGS) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(userId, { users: generations.users, channels: generations.channels, config });
    return config;
  }

  /** The users subscribed to each of these streamers (the live feed's audience). */
  async subscribersOf(streamerIds: readonly number[]): Promise<Map<number, number[]>> {
    const bySteamer = new Map<number, number[]>();
    if (streamerIds.length === 0) return bySteamer;
    for (const { streamerId, userId } of await this.channels.findSubscribers(streamerIds)) {
      const users = bySteamer.get(streamerId);
      if (users) users.push(userId);
      else bySteamer.set(streamerId, [userId]);
    }
    return bySteamer;
  }

  private async loadConfig(userId: number): Promise<ChannelConfigDto> {
    let config = await this.channels.findConfig(userId);
    if (!config) {
      await this.channels.insertDefaults(userId);
      config = await this.channels.findConfig(userId);
      if (!config) throw new Error(`No channel config for user ${userId} after inserting it`);
    }
    return toConfigDto(config, await this.channels.listSubscriptions(userId));
  }

  async updateConfig(
    user: AuthenticatedUser,
    body: UpdateChannelConfigDto,
  ): Promise<ChannelConfigDto> {
    if (body.slots_configured !== undefined && user.role !== 'admin') {
      throw new AdminOnlyFieldError(['slots_configured']);
    }
    const patch: ConfigPatch = {};
    for (const key of Object.keys(body) as Array<keyof UpdateChannelConfigDto>) {
      if (body[key] !== undefined) (patch as Record<string, unknown>)[key] = body[key];
    }
    await this.channels.upsertConfig(user.id, patch);
    this.logger.log({ userId: user.id, fields: Object.keys(patch) }, 'channel_config_updated');
    return this.getConfig(user.id);
  }

  /**
   * Subscribes the caller to a streamer, creating the streamer when it does not exist. The
   * user's config row is locked for the slot check, so concurrent attaches never exceed the
   * slots; the unique key on (user_id, streamer_id) answers a duplicate.
   */
  /** Sets a user's slots_configured (admins only: the caller checks) in the caller's transaction. */
  setSlotsConfigured(manager: EntityManager, userId: number, slots: number | null): Promise<void> {
    return this.channels.setSlotsConfigured(manager, userId, slots);
  }

  async attach(user: AuthenticatedUser, body: AttachStreamerDto): Promise<ChannelConfigDto> {
    if (body.api_mode != null && user.role !== 'admin') {
      throw new AdminOnlyFieldError(['api_mode']);
    }
    if (body.api_mode === 'client') {
      throw new ValidationFailedError([
        {
          field: 'api_mode',
          message:
            'api_mode client needs the streamer’s own credentials: set them with POST /streams',
        },
      ]);
    }
    const resolved = await this.resolve(body);
    const streamerId = await this.channels.transaction(async (manager) => {
      await this.channels.insertDefaults(user.id, manager);
      const { slotsBase, slotsConfigured } = await this.channels.lockConfig(manager, user.id);
      if (await this.channels.isAttachedByTwitchUserId(manager, user.id, resolved.twitchUserId)) {
        throw new StreamerAlreadyAttachedError();
      }
      const used = await this.channels.countSubscriptions(manager, user.id);
      if (used >= slotsTotal(slotsBase, slotsConfigured)) throw new SlotLimitReachedError();
      const streamer = await this.streams.findOrCreateForAttach(manager, {
        twitchUserId: resolved.twitchUserId,
        displayName: resolved.displayName,
        avatarUrl: resolved.avatarUrl,
        apiMode: body.api_mode ?? null,
        managed: user.role === 'admin',
      });
      const subscriptionId = await this.channels.insertSubscription(manager, {
        userId: user.id,
        streamerId: streamer.id,
        label: emptyToNull(body.label),
        monitorIntervalSeconds: body.monitor_interval_seconds ?? null,
        monitorMinClips: body.monitor_min_clips ?? null,
      });
      if (subscriptionId === null) throw new StreamerAlreadyAttachedError();
      return streamer.id;
    });
    this.logger.log({ userId: user.id, streamerId }, 'channel_streamer_attached');
    return this.getConfig(user.id);
  }

  async detach(userId: number, streamerId: number): Promise<ChannelConfigDto> {
    if (!(await this.channels.deleteSubscription(userId, streamerId))) {
      throw new StreamerNotAttachedError();
    }
    this.logger.log({ userId, streamerId }, 'channel_streamer_detached');
    return this.getConfig(userId);
  }

  /** order_index = position; any id not attached → 400 naming them, nothing changed. */
  async reorder(userId: number, streamerIds: number[]): Promise<ChannelConfigDto> {
    await this.channels.transaction(async (manager) => {
      const missing = await this.channels.reorder(manager, userId, streamerIds);
      if (missing.length > 0) {
        throw new ValidationFailedError([
          {
            field: 'streamer_ids',
            message: `not attached to your channel: ${missing.join(', ')}`,
          },
        ]);
      }
    });
    return this.getConfig(userId);
  }

  /**
   * The twitch_user_id to store: a numeric id as given, a login through Helix Get Users. The
   * display name and avatar come from the body, else from Twitch; Twitch is only asked when the
   * body does not say and the streamer is not stored yet, or for a login.
   */
  private async resolve(body: AttachStreamerDto): Promise<ResolvedStreamer> {
    const displayName = emptyToNull(body.display_name?.trim());
    const avatarUrl = emptyToNull(body.avatar_url);
    if (NUMERIC_TWITCH_ID.test(body.twitch_user_id)) {
      const twitchUserId = body.twitch_user_id;
      if (displayName !== null) return { twitchUserId, displayName, avatarUrl };
      const known = await this.streams.existsByTwitchUserId(twitchUserId);
      if (known || !this.clipadorCredentials) return { twitchUserId, displayName, avatarUrl };
      const user = await this.lookUp({ ids: [twitchUserId] });
      return {
        twitchUserId,
        displayName: user.display_name || user.login || null,
        avatarUrl: avatarUrl ?? (user.profile_image_url || null),
      };
    }
    const user = await this.lookUp({ logins: [body.twitch_user_id.toLowerCase()] });
    return {
      twitchUserId: user.id,
      displayName: displayName ?? (user.display_name || user.login || null),
      avatarUrl: avatarUrl ?? (user.profile_image_url || null),
    };
  }

  private async lookUp(query: { ids?: string[]; logins?: string[] }) {
    if (!this.clipadorCredentials) {
      this.logger.warn(
        { reason: 'no Clipador Twitch credentials' },
        'channel_twitch_lookup_failed',
      );
      throw new TwitchLookupUnavailableError();
    }
    let users;
    try {
      users = await this.twitch.getUsers(this.clipadorCredentials, query);
    } catch (error) {
      if (!(error instanceof TwitchError)) throw error;
      this.logger.warn({ reason: error.message }, 'channel_twitch_lookup_failed');
      throw new TwitchLookupUnavailableError();
    }
    const user = users.find((candidate) => NUMERIC_TWITCH_ID.test(candidate.id));
    if (!user) throw new TwitchStreamerNotFoundError();
    return user;
  }
}

function emptyToNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === '' ? null : value;
}

function toConfigDto(
  config: ChannelConfigRecord,
  subscriptions: SubscriptionRecord[],
): ChannelConfigDto {
  const total = slotsTotal(config.slotsBase, config.slotsConfigured);
  return {
    monitor_mode: config.monitorMode,
    partner_mode: config.partnerMode,
    clipador_chefe_username: config.clipadorChefeUsername,
    manual_min_clips: config.manualMinClips,
    manual_interval_seconds: config.manualIntervalSeconds,
    manual_min_clips_vod: config.manualMinClipsVod,
    notify_online: config.notifyOnline,
    public_share_enabled: config.publicShareEnabled,
    public_description: config.publicDescription,
    slots_base: config.slotsBase,
    slots_total: total,
    slots_used: subscriptions.length,
    slots_remaining: Math.max(0, total - subscriptions.length),
    streamers: subscriptions.map((subscription, index) => ({
      id: subscription.id,
      streamer_id: subscription.streamerId,
      twitch_user_id: subscription.twitchUserId,
      display_name: subscription.displayName,
      avatar_url: subscription.avatarUrl,
      order_index: subscription.orderIndex,
      label: subscription.label,
      monitor_interval_seconds: subscription.monitorIntervalSeconds,
      monitor_min_clips: subscription.monitorMinClips,
      active: index < total,
      // The streamer's live state (§16), null before its first live check; last_notified comes
      // with the "now live" notifications (§17), which are not built yet.
      status:
        subscription.lastLiveCheckAt === null
          ? null
          : {
              status: subscription.isLive ? ('online' as const) : ('offline' as const),
              last_seen: subscription.lastSeenLiveAt?.toISOString() ?? null,
              last_notified: null,
            },
    })),
  };
}
