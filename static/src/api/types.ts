// The server's payloads by name. schema.ts is generated from the server's OpenAPI document and
// its socket events (`npm run api-types`; tests/test_client_types.py fails when they drift).
import type { components, paths } from './schema';

type Schemas = components['schemas'];

export type Bot = Schemas['Bot'];
export type Channel = Schemas['Channel'];
export type ChannelMembership = Schemas['ChannelMembership'];
export type CommandInfo = Schemas['CommandInfo'];
export type CommandResult = Schemas['CommandResult'];
export type DeletedMessage = Schemas['DeletedMessage'];
export type Delivery = Schemas['Delivery'];
export type DeliveryAttempt = Schemas['DeliveryAttempt'];
export type DeliveryPage = Schemas['DeliveryPage'];
export type EphemeralMessage = Schemas['EphemeralMessage'];
export type ErrorBody = Schemas['Error'];
export type EventEnvelope = Schemas['EventEnvelope'];
export type EventPage = Schemas['EventPage'];
export type FileInfo = Schemas['File'];
export type FilePage = Schemas['FilePage'];
export type FileSearchResults = Schemas['FileSearchResults'];
export type HistoryPage = Schemas['HistoryPage'];
export type Invite = Schemas['Invite'];
export type Me = Schemas['Me'];
export type Member = Schemas['Member'];
export type Message = Schemas['Message'];
export type NewToken = Schemas['NewToken'];
export type NewWebhook = Schemas['NewWebhook'];
export type OutgoingWebhook = Schemas['OutgoingWebhook'];
export type Reaction = Schemas['Reaction'];
export type SlashCommand = Schemas['SlashCommand'];
export type ReadPosition = Schemas['ReadPosition'];
export type StorageUsage = Schemas['StorageUsage'];
export type ThreadPage = Schemas['ThreadPage'];
export type Token = Schemas['Token'];
export type User = Schemas['User'];
export type Webhook = Schemas['Webhook'];
export type Workspace = Schemas['Workspace'];

/** Server-to-client socket events: name -> what the handler receives. */
export type SocketEvents = Schemas['SocketEvents'];
export type SocketEventName = keyof SocketEvents;
/** Durable events arrive as envelopes ({id, prev_id, type, ..., data}); the rest as bare data. */
export type DurableEventName = {
  [K in SocketEventName]: SocketEvents[K] extends { prev_id: unknown } ? K : never;
}[SocketEventName];
export type EphemeralEventName = Exclude<SocketEventName, DurableEventName>;
export type DurableEvent = { [K in DurableEventName]: SocketEvents[K] }[DurableEventName];

export type { paths };
