// The Integrations page's state. Everyone reads `state`; only store.ts changes it, through its
// named mutations, which also re-render the page (as the chat app's state.ts and store.ts; the
// same Biome rules hold the writable handle to store.ts).

import type { Bot, Channel, Delivery, Me, Token, Webhook, Workspace } from '../api/types';
import { type CommandSettings, type HookSettings, isAdminRole } from './model';

/** Something loaded from the server: not yet, loaded, or the reason it could not be. */
export type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'error'; message: string };

/** One integration's delivery log (GET /workspaces/{id}/deliveries?kind=&integration_id=). */
export interface DeliveryLog {
  deliveries: Delivery[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
}

export interface State {
  me: Me;
  workspace: Workspace;
  /** The section shown (sections.tsx ids). */
  section: string;
  /** The channels webhooks may point at, by id (named, not archived), and people's names. */
  channels: Loaded<Map<number, Channel>>;
  people: Map<number, string>;
  webhooks: Loaded<Webhook[]>;
  bots: Loaded<Bot[]>;
  /** Custom slash commands, by name, without their token and signing secret. */
  slashCommands: Loaded<CommandSettings[]>;
  /** Outgoing webhooks, oldest first, without their tokens. */
  outgoingWebhooks: Loaded<HookSettings[]>;
  /** Bot tokens, by bot id, loaded when the bot's details open. */
  botTokens: Map<number, Loaded<Token[]>>;
  /** Delivery logs by `logKey(kind, integration id)`. */
  logs: Map<string, DeliveryLog>;
}

const NOBODY: Me = { id: 0, username: '', display_name: '', email: '', is_bot: false, created_at: '' };
const NOWHERE: Workspace = { id: 0, name: '', created_at: '', max_file_size: 1, members_create_webhooks: false,
  webhook_overrides: false };

export const writableState: State = {
  me: NOBODY,
  workspace: NOWHERE,
  section: '',
  channels: { status: 'loading' },
  people: new Map(),
  webhooks: { status: 'loading' },
  bots: { status: 'loading' },
  slashCommands: { status: 'loading' },
  outgoingWebhooks: { status: 'loading' },
  botTokens: new Map(),
  logs: new Map(),
};

export const state: Readonly<State> = writableState;

export const isAdmin = (): boolean => isAdminRole(state.workspace.role);

export const logKey = (kind: string, integrationId: number): string => `${kind}:${integrationId}`;

export const personName = (id: number | null | undefined): string =>
  (id === null || id === undefined ? 'nobody' : state.people.get(id) ?? (id === state.me.id ? state.me.display_name : 'someone no longer here'));
