/**
 * Console-side shapes: the wire types of the console endpoints come from `src/api` (types only, so no zod in
 * the bundle); `PullEvent` is what the console's event-stream helper hands to the Downloads page.
 */
import type { PullEntry, PullProgressEvent } from '../../../src/api/index.js';

export type {
  CreateProfileRequest as ProfileInput,
  HfFileInfo,
  HfFilesResponse,
  LogLine,
  LogsResponse,
  ProfileInfo,
  ProfilesResponse,
  SystemInfo,
} from '../../../src/api/index.js';

export type PullProgress = PullProgressEvent;

/** Events of `GET /api/pulls/events`, as the Downloads page consumes them. */
export type PullEvent =
  | { type: 'snapshot'; pulls: PullEntry[] }
  | { type: 'progress'; data: PullProgress }
  | { type: 'done'; model: string }
  | { type: 'failed'; model: string; state: string; error: string };
