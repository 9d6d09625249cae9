// The Integrations page's pure rules (static/src/integrations/model.ts).
import { describe, expect, it } from 'vitest';
import {
  channelLabel, commandChanges, commandFields, commandName, formatDuration, type HookFields, hookChanges, hookFields, hookFormPart,
  mergeDeliveries, orderCommands, orderWebhooks, ownBots, pickableChannels, sectionFromHash, signerLabel, summarize, triggerWords,
  visibleSections, watchedChannels,
} from '../../../static/src/integrations/model';
import { channel } from '../fixtures';
import { attempt, bot, delivery, outgoingWebhook, slashCommand, webhook } from './fixtures';

describe('pickableChannels', () => {
  it('keeps named, live channels from both lists, each once, by name', () => {
    const mine = [channel(1, { name: 'general' }), channel(2, { kind: 'dm', name: null }), channel(3, { name: 'old', archived: true }),
      channel(4, { name: 'alerts', kind: 'private' })];
    const browse = [channel(1, { name: 'general' }), channel(5, { name: 'builds' })];
    expect(pickableChannels(mine, browse).map((c) => c.name)).toEqual(['alerts', 'builds', 'general']);
  });

  it('names a channel it cannot see as a private one', () => {
    const known = new Map([[1, channel(1, { name: 'general' })]]);
    expect(channelLabel(1, known)).toBe('#general');
    expect(channelLabel(9, known)).toBe('a private channel');
  });
});

describe('bots and webhooks', () => {
  it('leaves out the bots incoming webhooks and slash commands post as', () => {
    const bots = [bot(1), bot(101), bot(2), bot(203)];
    expect(ownBots(bots, [webhook(1)]).map((b) => b.id)).toEqual([1, 2, 203]);
    expect(ownBots(bots, [webhook(1)], [slashCommand(3)]).map((b) => b.id)).toEqual([1, 2]);
    expect(ownBots(bots, null, [slashCommand(3)]).map((b) => b.id)).toEqual([1, 101, 2]);
    expect(ownBots(bots, null).map((b) => b.id)).toEqual([1, 101, 2, 203]);
  });

  it('leaves out the bots outgoing webhooks post as, with the others’', () => {
    const bots = [bot(1), bot(101), bot(203), bot(302)];
    expect(ownBots(bots, [webhook(1)], [slashCommand(3)], [outgoingWebhook(2)]).map((b) => b.id)).toEqual([1]);
    expect(ownBots(bots, null, null, [outgoingWebhook(2)]).map((b) => b.id)).toEqual([1, 101, 203]);
  });

  it('lists active webhooks before revoked ones, each group in the server’s order', () => {
    const list = [webhook(1, { revoked: true }), webhook(2), webhook(3, { revoked: true }), webhook(4)];
    expect(orderWebhooks(list).map((w) => w.id)).toEqual([2, 4, 1, 3]);
  });
});

describe('slash commands', () => {
  it('writes a name as the server stores it: with its slash, lower-case', () => {
    expect([commandName(' Deploy '), commandName('/deploy'), commandName('/Ship-It'), commandName('  ')])
      .toEqual(['/deploy', '/deploy', '/ship-it', '']);
  });

  it('reads the form: trimmed text, and a signing bot only when one is chosen', () => {
    expect(commandFields({ name: 'deploy', url: ' https://x.test/c ', description: ' Ship it ', usage_hint: ' [env] ', app_bot_id: '' }))
      .toEqual({ name: '/deploy', url: 'https://x.test/c', description: 'Ship it', usage_hint: '[env]', app_bot_id: null });
    expect(commandFields({ name: '/d', url: 'u', description: '', usage_hint: '', app_bot_id: '7' }).app_bot_id).toBe(7);
    expect(commandFields({ name: '/d', url: 'u', description: '', usage_hint: '', app_bot_id: 'x' }).app_bot_id).toBeNull();
  });

  it('sends only what an edit changed', () => {
    const { token: _t, signing_secret: _s, ...command } = slashCommand(1, { name: '/deploy', url: 'https://x.test/c',
      description: 'Ship', usage_hint: '[env]', app_bot_id: 7 });
    const same = { name: '/deploy', url: 'https://x.test/c', description: 'Ship', usage_hint: '[env]', app_bot_id: 7 };
    expect(commandChanges(command, same)).toEqual({});
    expect(commandChanges(command, { ...same, name: '/ship', app_bot_id: null }))
      .toEqual({ name: '/ship', app_bot_id: null });
    expect(commandChanges(command, { ...same, description: '', usage_hint: '' })).toEqual({ description: '', usage_hint: '' });
  });

  it('lists commands by name, and says who signs them', () => {
    expect(orderCommands([slashCommand(1, { name: '/zeta' }), slashCommand(2, { name: '/alpha' }), slashCommand(3, { name: '/alpha-2' })])
      .map((c) => c.name)).toEqual(['/alpha', '/alpha-2', '/zeta']);
    expect(signerLabel(slashCommand(1), [bot(7)])).toBe('');
    expect(signerLabel(slashCommand(1, { app_bot_id: 7 }), [bot(7)])).toBe('@bot7');
    expect(signerLabel(slashCommand(1, { app_bot_id: 7 }), null)).toBe('a bot');
  });
});

describe('outgoing webhooks', () => {
  const { token: _token, ...weather } = outgoingWebhook(1, { name: 'Weather', channel_ids: [2, 1], trigger_words: ['weather', 'wx'],
    callback_urls: ['https://a.example.test/', 'https://b.example.test/'] });
  const form = {
    name: ' Weather ', description: '', icon_url: ' ', channel_ids: [1, 2, 1], trigger_words: 'weather, wx',
    trigger_when: 'first_word' as const, callback_urls: [' https://a.example.test/ ', '', 'https://b.example.test/'],
    content_type: 'application/json' as const, ignore_bots: true,
  };

  it('reads trigger words typed with commas or spaces, each once, case aside', () => {
    expect(triggerWords(' weather,forecast  Weather,, wx ')).toEqual(['weather', 'forecast', 'wx']);
    expect(triggerWords(' , ')).toEqual([]);
  });

  it('sends what the form holds, trimmed, without empty URL rows or repeated channels', () => {
    expect(hookFields(form)).toEqual({ name: 'Weather', description: '', icon_url: null, channel_ids: [1, 2],
      trigger_words: ['weather', 'wx'], trigger_when: 'first_word', callback_urls: ['https://a.example.test/', 'https://b.example.test/'],
      content_type: 'application/json', ignore_bots: true } satisfies HookFields);
  });

  it('edits only what changed: channels as a set, words and URLs in order', () => {
    const same = hookFields(form);
    expect(hookChanges(weather, same)).toEqual({});
    expect(hookChanges(weather, { ...same, channel_ids: [] })).toEqual({ channel_ids: [] });
    expect(hookChanges(weather, { ...same, trigger_words: ['wx', 'weather'], trigger_when: 'starts_with' }))
      .toEqual({ trigger_words: ['wx', 'weather'], trigger_when: 'starts_with' });
    expect(hookChanges(weather, { ...same, callback_urls: ['https://a.example.test/'], content_type: 'application/x-www-form-urlencoded',
      ignore_bots: false, icon_url: 'https://i.example.test/i.png' })).toEqual({ callback_urls: ['https://a.example.test/'],
      content_type: 'application/x-www-form-urlencoded', ignore_bots: false, icon_url: 'https://i.example.test/i.png' });
  });

  it('says which channels a hook watches, and which part of the form a server error names', () => {
    const known = new Map([[1, channel(1, { name: 'general' })]]);
    expect(watchedChannels(weather, known)).toBe('a private channel, #general');
    expect(watchedChannels({ ...weather, channel_ids: [] }, known)).toBe('any public channel');
    expect(watchedChannels(weather, null)).toBe('2 channels');
    expect([hookFormPart('trigger_words'), hookFormPart('callback_urls[1]'), hookFormPart('body'), hookFormPart(null)])
      .toEqual(['trigger_words', 'callback_urls', null, null]);
  });
});

describe('the delivery log', () => {
  it('merges pages newest first, a newer copy replacing the older', () => {
    const merged = mergeDeliveries([delivery(5), delivery(3, { status: 'pending' })], [delivery(4), delivery(3)]);
    expect(merged.map((d) => [d.id, d.status])).toEqual([[5, 'delivered'], [4, 'delivered'], [3, 'delivered']]);
  });

  it('shows the last attempt of a delivery, and says when there is none yet or it runs', () => {
    const failedTwice = delivery(1, { status: 'given_up', attempts: 2, attempt_log: [
      attempt(1, { status_code: 500, error: 'HTTP 500', response_excerpt: 'boom' }),
      attempt(2, { status_code: null, error: 'timed out after 3 s', response_excerpt: null, duration_ms: 3000 })] });
    expect(summarize(failedTwice)).toEqual({ duration: '3.0 s', httpStatus: '—', error: 'timed out after 3 s', excerpt: '' });
    expect(summarize(delivery(2))).toEqual({ duration: '120 ms', httpStatus: '200', error: '', excerpt: 'ok' });
    expect(summarize(delivery(3, { status: 'pending', attempts: 0, attempt_log: [] })).error).toBe('not yet attempted');
    expect(summarize(delivery(4, { status: 'pending', attempt_log: [attempt(1, { finished_at: null })] })).duration).toBe('running…');
  });

  it('writes durations for people', () => {
    expect([formatDuration(null), formatDuration(0), formatDuration(999), formatDuration(1234), formatDuration(12_345)])
      .toEqual(['—', '0 ms', '999 ms', '1.2 s', '12 s']);
  });
});

describe('sections', () => {
  const sections = [{ id: 'incoming-webhooks', audience: 'webhook-makers' as const }, { id: 'bots', audience: 'admins' as const }];

  it('shows admins every section and members those for webhook makers', () => {
    expect(visibleSections(sections, 'admin').map((s) => s.id)).toEqual(['incoming-webhooks', 'bots']);
    expect(visibleSections(sections, 'owner')).toHaveLength(2);
    expect(visibleSections(sections, 'member').map((s) => s.id)).toEqual(['incoming-webhooks']);
  });

  it('reads the section from the address, else the first', () => {
    expect(sectionFromHash('#bots', sections)?.id).toBe('bots');
    expect(sectionFromHash('', sections)?.id).toBe('incoming-webhooks');
    expect(sectionFromHash('#nothing', sections)?.id).toBe('incoming-webhooks');
    expect(sectionFromHash('#bots', visibleSections(sections, 'member'))?.id).toBe('incoming-webhooks');
  });
});
