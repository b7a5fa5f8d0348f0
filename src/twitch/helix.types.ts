/**
 * Helix wire types, as Twitch documents them. Field names stay in Twitch's snake_case so that a
 * reader can hold them against the Helix reference; mapping to our tables is the caller's job.
 */

/** An app's credentials. The secret is only ever sent to the token endpoint, in a form body. */
export interface TwitchCredentials {
  clientId: string;
  clientSecret: string;
}

/** One clip of `GET /helix/clips`. */
export interface HelixClip {
  id: string;
  url: string;
  embed_url: string;
  broadcaster_id: string;
  broadcaster_name: string;
  creator_id: string;
  creator_name: string;
  video_id: string;
  game_id: string;
  language: string;
  title: string;
  view_count: number;
  /** RFC 3339, e.g. `2017-11-30T22:34:18Z`. */
  created_at: string;
  thumbnail_url: string;
  /** Seconds, with a fraction. */
  duration: number;
  /** Seconds into the VOD, or null when there is no VOD (or it is not processed yet). */
  vod_offset: number | null;
  is_featured: boolean;
}

/** One user of `GET /helix/users`. */
export interface HelixUser {
  id: string;
  login: string;
  display_name: string;
  type: string;
  broadcaster_type: string;
  description: string;
  profile_image_url: string;
  offline_image_url: string;
  view_count: number;
  created_at: string;
}

/** One live stream of `GET /helix/streams`. */
export interface HelixStream {
  id: string;
  user_id: string;
  user_login: string;
  user_name: string;
  game_id: string;
  game_name: string;
  /** `live`, or '' on error. */
  type: string;
  title: string;
  viewer_count: number;
  /** RFC 3339. */
  started_at: string;
  language: string;
  /** With `{width}x{height}` placeholders. */
  thumbnail_url: string;
  tags: string[];
  is_mature: boolean;
}

/** Which of the asked streamers are live, and which could not be checked. */
export interface LiveCheck {
  /** Ids whose answer came back whole: each is live (in `streams`) or not. */
  checked: string[];
  streams: HelixStream[];
  /** Ids whose request failed or came back partial: unknown, never "offline". */
  unknown: string[];
  /** Helix requests made (each one point of the budget). */
  requests: number;
  /** Why some ids are unknown (no URL, no secret). */
  failure?: string;
}

/** The envelope of every Helix list answer. */
export interface HelixPage<T> {
  data: T[];
  pagination?: { cursor?: string };
}

/** The client-credentials grant's answer. */
export interface TwitchTokenResponse {
  access_token: string;
  expires_in: number;
  token_type: string;
}

export interface GetClipsQuery {
  broadcasterId: string;
  startedAt: Date;
  /** Defaults to now: without it Twitch would cut the window at started_at + 1 week. */
  endedAt?: Date;
}

export interface GetUsersQuery {
  ids?: string[];
  logins?: string[];
}
