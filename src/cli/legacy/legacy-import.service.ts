import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { BurstsService } from '../../clips/bursts.service';
import { ClipsService } from '../../clips/clips.service';
import { byCreatedAtThenId, importedClipToUpsertRow } from '../import-clip-row';
import { ValidationFailedError } from '../../common/errors/domain.error';
import { StreamerImportService } from '../../streams/streamer-import.service';
import { StreamerSyncService } from '../../streams/streamer-sync.service';
import { baseSlotsForPlan } from '../../users/plan-rules';
import { LegacyImportRepository } from './legacy-import.repository';
import { emptyReport, LegacyImportReport, note, reject } from './legacy-report';
import {
  assignEmails,
  integer,
  text,
  ClipImportRow,
  DeliveryImportRow,
  mapChannelConfig,
  mapClip,
  mapDelivery,
  mapPurchase,
  mapStreamer,
  mapSubscription,
  mapUser,
  StreamerMapping,
  UserImportRow,
} from './legacy-rules';
import { LEGACY_TABLES, LegacyRow, LegacySource } from './legacy-source';
import { RunReader } from './run-reader';

export interface LegacyImportRequest {
  /** The old service's database (`postgresql://…`, or its `postgresql+asyncpg://…` form). */
  from: string;
  /** Usernames that become admins; every other imported user is a viewer. */
  admins: readonly string[];
  dryRun: boolean;
}

/** Thrown before anything is written when the request cannot be carried out as asked. */
export class LegacyImportRefusedError extends Error {}

const USER_COLUMNS = [
  'username',
  'hashed_password',
  'role',
  'created_at',
  'email',
  'plan',
  'plan_expires_at',
  'status',
  'trial_used',
  'kirvano_customer_id',
  'kirvano_last_sale_id',
];
const STREAMER_COLUMNS = [
  'twitch_user_id',
  'display_name',
  'avatar_url',
  'is_active',
  'monitor_interval_seconds',
  'monitor_min_clips',
  'api_mode',
  'trial_expires_at',
  'client_twitch_client_id',
  'client_twitch_client_secret',
];
const CLIP_COLUMNS = [
  'clip_id',
  'streamer_id',
  'streamer_name',
  'created_at',
  'viewer_count',
  'video_id',
  'title',
  'duration',
];
const CONFIG_COLUMNS = [
  'user_id',
  'monitor_mode',
  'partner_mode',
  'clipador_chefe_username',
  'manual_min_clips',
  'manual_interval_seconds',
  'manual_min_clips_vod',
  'slots_configured',
  'notify_online',
  'public_share_enabled',
  'public_description',
  'created_at',
];
const SUBSCRIPTION_COLUMNS = ['user_id', 'streamer_id', 'label', 'order_index', 'created_at'];
const DELIVERY_COLUMNS = [
  'user_id',
  'streamer_id',
  'clip_id',
  'clip_external_id',
  'delivered_at',
  'delivery_channel',
  'extra_payload',
];
const PURCHASE_COLUMNS = [
  'sale_id',
  'email',
  'plan',
  'status',
  'payment_method',
  'raw_payload',
  'created_at',
];

/** Clips per upsert statement and burst-rule pass; delivery rows per page and per statement. */
const CLIP_BATCH = 5_000;
const DELIVERY_PAGE = 5_000;

/** What the import knows about the rows it has taken: their ids here by old id. */
interface Imported {
  users: Map<number, number>;
  streamers: Map<number, number>;
}

/**
 * `import-legacy`: copies the old service's database into this one (PRODUCT §9, LEGACY-SCHEMA.md).
 * Order: users, streamers with their clips (one transaction per streamer, under its sync lock,
 * bursts re-derived by §5 as the clips are stored, as the seed does), purchases, channel configs,
 * subscriptions, deliveries. Every write is keyed on a unique constraint of this schema, so a
 * second run finds everything stored and changes nothing; a dry run does the whole import in one
 * transaction and rolls it back.
 */
@Injectable()
export class LegacyImportService {
  private readonly logger = new Logger(LegacyImportService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly imports: StreamerImportService,
    private readonly streams: StreamerSyncService,
    private readonly clips: ClipsService,
    private readonly bursts: BurstsService,
    private readonly repository: LegacyImportRepository,
  ) {}

  async import(request: LegacyImportRequest): Promise<LegacyImportReport> {
    const source = await LegacySource.open(request.from);
    try {
      checkIsLegacy(source);
      const report = emptyReport(request.dryRun);
      for (const table of LEGACY_TABLES) report.tables[table].present = source.has(table);
      const userRows = await source.select('users', USER_COLUMNS);
      this.checkAdmins(request.admins, userRows);

      await this.withinScope(request.dryRun, async (scope) => {
        const imported: Imported = {
          users: await this.importUsers(scope, userRows, new Set(request.admins), report),
          streamers: new Map(),
        };
        await this.importStreamers(scope, source, imported, report);
        await this.countOldBursts(source, report);
        await this.importPurchases(scope, source, report);
        await this.importChannelConfigs(scope, source, imported, report);
        await this.importSubscriptions(scope, source, imported, report);
        await this.importDeliveries(scope, source, imported, report);
        report.tables.streamer_status.read = await source.count('streamer_status');
      });
      this.logger.log(
        {
          dryRun: request.dryRun,
          missingTables: source.missingTables(),
          tables: report.tables,
          bursts: report.bursts,
          notes: report.notes.length,
          rejected: report.rejections.length,
        },
        'legacy_import_finished',
      );
      return report;
    } finally {
      await source.close();
    }
  }

  /** A name in --admins that is no old user is almost surely a typo: refuse before writing. */
  private checkAdmins(admins: readonly string[], userRows: readonly LegacyRow[]): void {
    const known = new Set(userRows.map((row) => text(row.username)));
    const unknown = admins.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new LegacyImportRefusedError(
        `--admins names ${unknown.length === 1 ? 'a user' : 'users'} the old database does not ` +
          `have: ${unknown.join(', ')} (nothing was imported)`,
      );
    }
  }

  /** As SeedService does: a dry run is one outer transaction, rolled back; each step a savepoint. */
  private async withinScope(
    dryRun: boolean,
    work: (scope: EntityManager) => Promise<void>,
  ): Promise<void> {
    if (!dryRun) return work(this.dataSource.manager);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    try {
      await work(runner.manager);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  // -------------------------------------------------------------------------------------- users

  /**
   * Users in one transaction. A username already here is that user (left as it is, but made admin
   * when --admins names it); an e-mail already owned here by someone else is not taken.
   */
  private async importUsers(
    scope: EntityManager,
    rows: readonly LegacyRow[],
    admins: ReadonlySet<string>,
    report: LegacyImportReport,
  ): Promise<Map<number, number>> {
    const counts = report.tables.users;
    counts.read = rows.length;
    const users: UserImportRow[] = [];
    for (const row of rows) {
      const mapped = mapUser(row, admins);
      if (!mapped.ok) {
        reject(report, 'users', row.id, mapped.reasons);
        continue;
      }
      note(report, 'users', row.id, mapped.notes);
      users.push(mapped.value);
    }
    for (const [id, message] of assignEmails(users)) note(report, 'users', id, [message]);
    if (users.length === 0) return new Map();

    return scope.transaction(async (manager) => {
      const usernames = users.map((user) => user.username);
      const emails = users.flatMap((user) => (user.email ? [user.email] : []));
      const existing = await this.repository.findUsers(manager, usernames, emails);
      const byUsername = new Map(existing.map((user) => [user.username, user]));
      const emailOwner = new Map(existing.map((user) => [user.email, user]));
      const toInsert: UserImportRow[] = [];
      const toPromote: number[] = [];
      for (const user of users) {
        const here = byUsername.get(user.username);
        if (here) {
          if (user.role === 'admin' && here.role !== 'admin') toPromote.push(here.id);
          else counts.skipped++;
          continue;
        }
        const owner = user.email ? emailOwner.get(user.email) : undefined;
        if (owner) {
          note(report, 'users', user.legacyId, [
            `its e-mail belongs to another user here (id ${owner.id}): imported without an e-mail`,
          ]);
          user.email = null;
        }
        toInsert.push(user);
      }
      const inserted = await this.repository.insertUsers(manager, toInsert, baseSlotsForPlan);
      counts.inserted += inserted.size;
      counts.skipped += toInsert.length - inserted.size;
      const promoted = await this.repository.promoteToAdmin(manager, toPromote);
      counts.updated += promoted;
      counts.skipped += toPromote.length - promoted;

      const ids = await this.repository.findUsers(manager, usernames, []);
      const idByUsername = new Map(ids.map((user) => [user.username, user.id]));
      return new Map(users.map((user) => [user.legacyId, idByUsername.get(user.username)!]));
    });
  }

  // ---------------------------------------------------------------------------- streamers, clips

  /**
   * Streamers in id order, each with its clips. The clips are read once, ordered by streamer,
   * through a cursor, and taken run by run as the streamers go by; a run whose streamer is not
   * taken (rejected, unknown, none, or no streamers table at all) is rejected with that reason.
   */
  private async importStreamers(
    scope: EntityManager,
    source: LegacySource,
    imported: Imported,
    report: LegacyImportReport,
  ): Promise<void> {
    const rows = await source.select('streamers', STREAMER_COLUMNS);
    report.tables.streamers.read = rows.length;
    const oldBursts = await source.countBy('bursts', 'streamer_id');
    const clipRuns = new RunReader(
      source.cursor('clips', CLIP_COLUMNS, 'streamer_id NULLS LAST, id', CLIP_BATCH),
      (row) => integer(row.streamer_id),
    );
    const rejectClips = (clips: readonly LegacyRow[], streamerId: number | null) => {
      report.tables.clips.read += clips.length;
      const reason =
        streamerId === null
          ? 'no streamer_id'
          : source.has('streamers')
            ? `its streamer (streamers id ${streamerId}) was not imported`
            : 'the old database has no streamers table';
      for (const clip of clips) reject(report, 'clips', clip.id, [reason]);
    };

    for (const row of rows) {
      for (const run of await clipRuns.skipTo(row.id)) rejectClips(run.rows, run.key);
      const clipRows = await clipRuns.take(row.id);
      const mapped = mapStreamer(row, (column) => source.hasColumn('streamers', column));
      if (!mapped.ok) {
        reject(report, 'streamers', row.id, mapped.reasons);
        rejectClips(clipRows, row.id);
        continue;
      }
      try {
        const targetId = await scope.transaction((manager) =>
          this.importStreamer(manager, mapped.value, clipRows, report, oldBursts.get(row.id) ?? 0),
        );
        note(report, 'streamers', row.id, mapped.notes);
        imported.streamers.set(row.id, targetId);
      } catch (error) {
        if (!(error instanceof ValidationFailedError)) throw error;
        reject(
          report,
          'streamers',
          row.id,
          error.problems.map((problem) => problem.message),
        );
        rejectClips(clipRows, row.id);
      }
    }
    for (const run of await clipRuns.rest()) rejectClips(run.rows, run.key);
  }

  /**
   * One streamer and its clips in one transaction: the streamer (inserted, updated or unchanged),
   * its reason when imported inactive, then its clips as a sync stores them, under its sync lock,
   * and the bursts they make by §5 with the streamer's (clamped) settings.
   */
  private async importStreamer(
    manager: EntityManager,
    mapping: StreamerMapping,
    clipRows: readonly LegacyRow[],
    report: LegacyImportReport,
    oldBursts: number,
  ): Promise<number> {
    const twitchUserId = [mapping.input.twitch_user_id];
    let [streamer] = await this.streams.findByTwitchUserIds(manager, twitchUserId);
    if (streamer) {
      report.tables.streamers.skipped++;
    } else {
      report.tables.streamers[await this.imports.importStreamer(manager, mapping.input)]++;
      [streamer] = await this.streams.findByTwitchUserIds(manager, twitchUserId);
      if (mapping.inactiveReason) {
        await this.streams.recordSyncProblem(
          streamer.id,
          'skipped',
          `import-legacy: ${mapping.inactiveReason}; imported inactive`,
          manager,
        );
      }
    }
    await this.streams.lockForSync(manager, streamer.id);

    const counts = report.tables.clips;
    counts.read += clipRows.length;
    const clips: ClipImportRow[] = [];
    for (const row of clipRows) {
      const mapped = mapClip(row);
      if (!mapped.ok) {
        reject(report, 'clips', row.id, mapped.reasons);
        continue;
      }
      note(report, 'clips', row.id, mapped.notes);
      clips.push(mapped.value);
    }
    // Clips already here are left as they are: their view counts are fresher than the old ones.
    const clipIds = clips.map((clip) => clip.clipId);
    const stored = await this.repository.findStoredClipIds(manager, clipIds);
    counts.skipped += stored.size;
    const ordered = clips
      .filter((clip) => !stored.has(clip.clipId))
      .map((clip) => importedClipToUpsertRow(clip, streamer))
      .sort(byCreatedAtThenId);
    const created = new Set<number>();
    for (let start = 0; start < ordered.length; start += CLIP_BATCH) {
      const batch = ordered.slice(start, start + CLIP_BATCH);
      const upserted = await this.clips.upsertMany(manager, streamer, batch);
      counts.inserted += upserted.inserted.length;
      // A clip stored meanwhile by another writer (unlikely under the sync lock) counts as skipped.
      counts.skipped += batch.length - upserted.inserted.length;
      const changes = await this.bursts.applyToNewClips(
        manager,
        {
          streamerId: streamer.id,
          windowSeconds: streamer.monitorIntervalSeconds,
          minClips: streamer.monitorMinClips,
        },
        upserted.inserted,
      );
      for (const burst of changes.created) created.add(burst.burstId);
    }
    const inBursts = await this.repository.countBursts(manager, clipIds);
    report.bursts.created += created.size;
    report.bursts.existing += inBursts.bursts - created.size;
    report.clipsInBursts += inBursts.clipsInBursts;
    report.bursts.folded += Math.max(0, oldBursts - inBursts.bursts);
    return streamer.id;
  }

  /** Old bursts and burst_clips are read only to be counted: §5 re-derives them from the clips. */
  private async countOldBursts(source: LegacySource, report: LegacyImportReport): Promise<void> {
    report.tables.bursts.read = await source.count('bursts');
    report.tables.burst_clips.read = await source.count('burst_clips');
  }

  // ----------------------------------------------------------- purchases, configs, subscriptions

  private async importPurchases(
    scope: EntityManager,
    source: LegacySource,
    report: LegacyImportReport,
  ): Promise<void> {
    const rows = await source.select('purchases', PURCHASE_COLUMNS);
    const counts = report.tables.purchases;
    counts.read = rows.length;
    const purchases = rows.flatMap((row) => {
      const mapped = mapPurchase(row);
      if (mapped.ok) return [mapped.value];
      reject(report, 'purchases', row.id, mapped.reasons);
      return [];
    });
    const inserted = await scope.transaction(async (manager) => {
      const saleIds = await this.repository.insertPurchases(manager, purchases);
      // The old service applied these when they came; one whose e-mail is a user's here must not
      // be applied again if that e-mail moves to another user later (§15's pending purchases).
      await this.repository.markPurchasesApplied(manager, saleIds);
      return saleIds.length;
    });
    counts.inserted += inserted;
    counts.skipped += purchases.length - inserted;
  }

  private async importChannelConfigs(
    scope: EntityManager,
    source: LegacySource,
    imported: Imported,
    report: LegacyImportReport,
  ): Promise<void> {
    const rows = await source.select('user_channel_configs', CONFIG_COLUMNS);
    const counts = report.tables.user_channel_configs;
    counts.read = rows.length;
    const configs = rows.flatMap((row) => {
      const mapped = mapChannelConfig(row);
      if (!mapped.ok) {
        reject(report, 'user_channel_configs', row.id, mapped.reasons);
        return [];
      }
      const userId = imported.users.get(mapped.value.legacyUserId);
      if (userId === undefined) {
        reject(report, 'user_channel_configs', row.id, [
          notImported('users', mapped.value.legacyUserId, source),
        ]);
        return [];
      }
      note(report, 'user_channel_configs', row.id, mapped.notes);
      return [{ ...mapped.value, userId }];
    });
    const inserted = await scope.transaction((manager) =>
      this.repository.insertChannelConfigs(manager, configs),
    );
    counts.inserted += inserted;
    counts.skipped += configs.length - inserted;
  }

  private async importSubscriptions(
    scope: EntityManager,
    source: LegacySource,
    imported: Imported,
    report: LegacyImportReport,
  ): Promise<void> {
    const rows = await source.select('user_streamers', SUBSCRIPTION_COLUMNS);
    const counts = report.tables.user_streamers;
    counts.read = rows.length;
    const subscriptions = rows.flatMap((row) => {
      const mapped = mapSubscription(row);
      if (!mapped.ok) {
        reject(report, 'user_streamers', row.id, mapped.reasons);
        return [];
      }
      const userId = imported.users.get(mapped.value.legacyUserId);
      const streamerId = imported.streamers.get(mapped.value.legacyStreamerId);
      if (userId === undefined || streamerId === undefined) {
        reject(report, 'user_streamers', row.id, [
          userId === undefined
            ? notImported('users', mapped.value.legacyUserId, source)
            : notImported('streamers', mapped.value.legacyStreamerId, source),
        ]);
        return [];
      }
      return [{ ...mapped.value, userId, streamerId }];
    });
    const inserted = await scope.transaction((manager) =>
      this.repository.insertSubscriptions(manager, subscriptions),
    );
    counts.inserted += inserted;
    counts.skipped += subscriptions.length - inserted;
  }

  // --------------------------------------------------------------------------------- deliveries

  /**
   * Deliveries page by page. The old table keyed a delivery on the burst's start and end, so a
   * growing burst delivered the same clip again: here a clip reaches a user once, so the first
   * old row (lowest id) of a user and clip is kept and the repeats are counted as folded. Each
   * page is one statement that finds the clip and its re-derived burst by the clip's Twitch id.
   */
  private async importDeliveries(
    scope: EntityManager,
    source: LegacySource,
    imported: Imported,
    report: LegacyImportReport,
  ): Promise<void> {
    const counts = report.tables.clip_deliveries;
    const seen = new Set<string>();
    for await (const rows of source.pages('clip_deliveries', DELIVERY_COLUMNS, DELIVERY_PAGE)) {
      counts.read += rows.length;
      const clipIds = await clipIdsOfRows(source, rows);
      const deliveries: Array<DeliveryImportRow & { userId: number; streamerId: number }> = [];
      for (const row of rows) {
        const mapped = mapDelivery(row, (id) => clipIds.get(id));
        if (!mapped.ok) {
          reject(report, 'clip_deliveries', row.id, mapped.reasons);
          continue;
        }
        const delivery = mapped.value;
        const userId = imported.users.get(delivery.legacyUserId);
        const streamerId = imported.streamers.get(delivery.legacyStreamerId);
        if (userId === undefined || streamerId === undefined) {
          reject(report, 'clip_deliveries', row.id, [
            userId === undefined
              ? notImported('users', delivery.legacyUserId, source)
              : notImported('streamers', delivery.legacyStreamerId, source),
          ]);
          continue;
        }
        const key = `${userId}\u0000${delivery.clipExternalId}`;
        if (seen.has(key)) {
          report.deliveriesFolded++;
          continue;
        }
        seen.add(key);
        note(report, 'clip_deliveries', row.id, mapped.notes);
        deliveries.push({ ...delivery, userId, streamerId });
      }
      const inserted = await scope.transaction((manager) =>
        this.repository.insertDeliveries(manager, deliveries),
      );
      counts.inserted += inserted;
      counts.skipped += deliveries.length - inserted;
    }
  }
}

/** Deliveries that name their clip only by its old row: that row's Twitch clip id, by row id. */
async function clipIdsOfRows(
  source: LegacySource,
  rows: readonly LegacyRow[],
): Promise<Map<number, string>> {
  const ids = rows.flatMap((row) =>
    text(row.clip_external_id) === null && integer(row.clip_id) !== null
      ? [integer(row.clip_id)!]
      : [],
  );
  if (ids.length === 0) return new Map();
  const clips = await source.select('clips', ['clip_id'], {
    where: 'id = ANY($1::int[])',
    params: [ids],
  });
  return new Map(
    clips.flatMap((clip) => {
      const clipId = text(clip.clip_id);
      return clipId === null ? [] : [[clip.id, clipId] as const];
    }),
  );
}

/** A wrong --from (an empty database, or this service's own) is refused before anything is read. */
function checkIsLegacy(source: LegacySource): void {
  if (LEGACY_TABLES.every((table) => !source.has(table))) {
    throw new LegacyImportRefusedError(
      `the database at --from has none of the old service's tables (${LEGACY_TABLES.join(', ')}): ` +
        'nothing was imported',
    );
  }
  if (
    source.hasColumn('bursts', 'anchor_clip_id') ||
    source.hasColumn('streamers', 'last_sync_status')
  ) {
    throw new LegacyImportRefusedError(
      "the database at --from is one of this service's, not the old service's: nothing was imported",
    );
  }
}

function notImported(table: 'users' | 'streamers', legacyId: number, source: LegacySource): string {
  return source.has(table)
    ? `${table} id ${legacyId} was not imported`
    : `the old database has no ${table} table`;
}
