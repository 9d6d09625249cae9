// The sections of the Integrations page, in the order of its navigation. A new kind of
// integration is one component and one entry here: `id` is its address (#id), `audience` who
// sees it (the page itself is served to everyone who may make incoming webhooks; each API still
// decides for itself).

import type { FunctionComponent } from 'preact';
import type { SectionInfo } from './model';
import { Bots } from './views/bots';
import { SlashCommands } from './views/commands';
import { OutgoingWebhooks } from './views/outgoing';
import { IncomingWebhooks } from './views/webhooks';

export interface Section extends SectionInfo {
  title: string;
  component: FunctionComponent;
}

export const SECTIONS: Section[] = [
  { id: 'incoming-webhooks', title: 'Incoming webhooks', audience: 'webhook-makers', component: IncomingWebhooks },
  { id: 'bots', title: 'Bots', audience: 'admins', component: Bots },
  { id: 'outgoing-webhooks', title: 'Outgoing webhooks', audience: 'admins', component: OutgoingWebhooks },
  { id: 'slash-commands', title: 'Slash commands', audience: 'admins', component: SlashCommands },
];
