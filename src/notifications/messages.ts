/**
 * What a notification says, per channel, as pure functions over plain data (PRODUCT §17):
 * the streamer, the clip count, the time window, the clip links and AO VIVO / VOD, in
 * Portuguese like the dashboard, with times in Brasília's zone as the dashboard shows them.
 */

export interface MessageClip {
  id: string;
  url: string | null;
  title: string | null;
  viewerCount: number | null;
  createdAt: string;
}

export interface BurstMessage {
  burstId: number;
  streamer: { id: number; displayName: string; twitchUserId: string };
  aoVivo: boolean;
  start: string;
  end: string;
  clips: MessageClip[];
}

export interface LiveMessage {
  streamer: { id: number; displayName: string; twitchUserId: string };
  startedAt: string | null;
  title: string | null;
  gameName: string | null;
  viewerCount: number | null;
}

/** A clip of the user's clipador chefe (partner modes, §13), announced on its own. */
export interface ChefeClipMessage {
  streamer: { id: number; displayName: string; twitchUserId: string };
  clip: MessageClip & { creatorName: string };
}

/** Telegram and Discord cap a message; the clip list stops before. */
const MAX_LISTED_CLIPS = 10;
const TIME = new Intl.DateTimeFormat('pt-BR', {
  timeZone: 'America/Sao_Paulo',
  hour: '2-digit',
  minute: '2-digit',
});
const DATE_TIME = new Intl.DateTimeFormat('pt-BR', {
  timeZone: 'America/Sao_Paulo',
  day: '2-digit',
  month: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

function label(message: BurstMessage): string {
  return message.aoVivo ? 'AO VIVO' : 'VOD';
}

function clipCount(n: number): string {
  return n === 1 ? '1 clipe' : `${n} clipes`;
}

function window(message: BurstMessage): string {
  return `${DATE_TIME.format(new Date(message.start))}–${TIME.format(new Date(message.end))}`;
}

function twitchChannelUrl(displayName: string): string {
  return `https://www.twitch.tv/${encodeURIComponent(displayName.toLowerCase())}`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Telegram, parse_mode HTML. */
export function telegramBurstText(message: BurstMessage): string {
  const lines = [
    `🔥 <b>${escapeHtml(message.streamer.displayName)}</b> · ${label(message)}`,
    `${clipCount(message.clips.length)} · ${window(message)}`,
    '',
    ...message.clips.slice(0, MAX_LISTED_CLIPS).map((clip, index) => {
      const title = escapeHtml(clip.title || `Clipe ${index + 1}`);
      return clip.url
        ? `${index + 1}. <a href="${escapeHtml(clip.url)}">${title}</a>`
        : `${index + 1}. ${title}`;
    }),
  ];
  if (message.clips.length > MAX_LISTED_CLIPS) {
    lines.push(`… e mais ${message.clips.length - MAX_LISTED_CLIPS}`);
  }
  return lines.join('\n');
}

export function telegramLiveText(message: LiveMessage): string {
  const parts = [`🔴 <b>${escapeHtml(message.streamer.displayName)}</b> está AO VIVO`];
  if (message.title) parts.push(escapeHtml(message.title));
  if (message.gameName) parts.push(`🎮 ${escapeHtml(message.gameName)}`);
  parts.push(twitchChannelUrl(message.streamer.displayName));
  return parts.join('\n');
}

export function telegramChefeClipText(message: ChefeClipMessage): string {
  const { clip } = message;
  const title = escapeHtml(clip.title || 'Clipe');
  return [
    `🎬 <b>${escapeHtml(message.streamer.displayName)}</b> · clipe de ${escapeHtml(clip.creatorName)}`,
    clip.url ? `<a href="${escapeHtml(clip.url)}">${title}</a>` : title,
    DATE_TIME.format(new Date(clip.createdAt)),
  ].join('\n');
}

export const TEST_TEXT = '✅ Teste do Clipador: este canal receberá suas notificações.';

/** Discord: one embed (the content stays empty: embeds render the links). */
export function discordBurstBody(message: BurstMessage): Record<string, unknown> {
  const listed = message.clips.slice(0, MAX_LISTED_CLIPS).map((clip, index) => {
    const title = (clip.title || `Clipe ${index + 1}`).replace(/[[\]]/g, '');
    return clip.url ? `${index + 1}. [${title}](${clip.url})` : `${index + 1}. ${title}`;
  });
  if (message.clips.length > MAX_LISTED_CLIPS) {
    listed.push(`… e mais ${message.clips.length - MAX_LISTED_CLIPS}`);
  }
  return {
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: `🔥 ${message.streamer.displayName} · ${label(message)}`,
        url: twitchChannelUrl(message.streamer.displayName),
        description: `${clipCount(message.clips.length)} · ${window(message)}\n\n${listed.join('\n')}`,
        color: message.aoVivo ? 0xe91916 : 0x9146ff,
        timestamp: message.start,
        footer: { text: 'Clipador' },
      },
    ],
  };
}

export function discordLiveBody(message: LiveMessage): Record<string, unknown> {
  return {
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: `🔴 ${message.streamer.displayName} está AO VIVO`,
        url: twitchChannelUrl(message.streamer.displayName),
        description: [message.title, message.gameName ? `🎮 ${message.gameName}` : null]
          .filter(Boolean)
          .join('\n'),
        color: 0xe91916,
        ...(message.startedAt ? { timestamp: message.startedAt } : {}),
        footer: { text: 'Clipador' },
      },
    ],
  };
}

export function discordChefeClipBody(message: ChefeClipMessage): Record<string, unknown> {
  const { clip } = message;
  return {
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: `🎬 ${message.streamer.displayName} · clipe de ${clip.creatorName}`,
        url: clip.url ?? twitchChannelUrl(message.streamer.displayName),
        description: clip.title || 'Clipe',
        color: 0x9146ff,
        timestamp: clip.createdAt,
        footer: { text: 'Clipador' },
      },
    ],
  };
}

export function discordTestBody(): Record<string, unknown> {
  return { content: TEST_TEXT, allowed_mentions: { parse: [] } };
}

export type WebhookEventType =
  'burst.created' | 'burst.grown' | 'streamer.online' | 'clip.chefe' | 'test';

/** The webhook's JSON event (documented in the README). */
export function webhookEvent(
  type: WebhookEventType,
  id: string,
  createdAt: string,
  data: { burst?: BurstMessage; live?: LiveMessage; chefeClip?: ChefeClipMessage },
): Record<string, unknown> {
  const body: Record<string, unknown> = { type, id, created_at: createdAt };
  if (data.burst) {
    const burst = data.burst;
    body.data = {
      streamer: streamerJson(burst.streamer),
      burst: {
        id: burst.burstId,
        inicio: burst.start,
        fim: burst.end,
        ao_vivo: burst.aoVivo,
        clip_count: burst.clips.length,
        clipes: burst.clips.map((clip) => ({
          id: clip.id,
          url: clip.url,
          title: clip.title,
          viewer_count: clip.viewerCount,
          created_at: clip.createdAt,
        })),
      },
    };
  } else if (data.live) {
    body.data = {
      streamer: streamerJson(data.live.streamer),
      live: {
        started_at: data.live.startedAt,
        title: data.live.title,
        game_name: data.live.gameName,
        viewer_count: data.live.viewerCount,
      },
    };
  } else if (data.chefeClip) {
    const { clip } = data.chefeClip;
    body.data = {
      streamer: streamerJson(data.chefeClip.streamer),
      clip: {
        id: clip.id,
        url: clip.url,
        title: clip.title,
        creator_name: clip.creatorName,
        viewer_count: clip.viewerCount,
        created_at: clip.createdAt,
      },
    };
  } else {
    body.data = { message: TEST_TEXT };
  }
  return body;
}

function streamerJson(streamer: BurstMessage['streamer']) {
  return {
    id: streamer.id,
    display_name: streamer.displayName,
    twitch_user_id: streamer.twitchUserId,
  };
}
