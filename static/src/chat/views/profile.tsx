// "Your profile": display name, password and personal API tokens. Each part is its own form
// with its own error line, so a refusal in one (a wrong current password) is shown next to it.

import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { NewToken, Token } from '../../api/types';
import { api } from '../../shared/api';
import { Field, openDialog, useFormSubmit } from '../../shared/dialogs';
import { formatFull } from '../../shared/dom';
import { OneTimeSecret } from '../../shared/secret';
import { reportError, toast } from '../../shared/toast';
import * as actions from '../actions';
import { state } from '../state';

/** A form that shows its own error: run(form) may throw; the message appears above the button. */
function Section({ legend, testid, submitLabel, run, children }: {
  legend: string; testid: string; submitLabel: string; run: (form: HTMLFormElement) => Promise<void>; children: ComponentChildren;
}) {
  const { submit, busy, error } = useFormSubmit(run, (err) => {
    const { code, message } = (err ?? {}) as { code?: string; message?: string };
    return code === 'wrong_password' ? 'Your current password is not right.' : (message || 'Something went wrong');
  });
  return (
    <form class="profile-section" data-testid={testid} onSubmit={submit}>
      <fieldset>
        <legend>{legend}</legend>
        {children}
        <p class="form-error" role="alert" hidden={error === null} data-testid={`${testid}-error`}>{error ?? ''}</p>
        <div class="dialog-buttons"><button type="submit" disabled={busy}>{submitLabel}</button></div>
      </fieldset>
    </form>
  );
}

const when = (iso: string | null): string => (iso ? formatFull(new Date(iso)) : 'never');
const fieldValue = (form: HTMLFormElement, name: string): string => (form.elements.namedItem(name) as HTMLInputElement | null)?.value ?? '';

function TokenItem({ token, reload }: { token: Token; reload: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const revoke = async () => {
    setBusy(true);
    try {
      await api.del(`/tokens/${token.id}`);
      toast(`Token “${token.name}” revoked`, 'info');
      // Revoking closes all of our sockets; the banner shows while this tab reconnects.
    } catch (err) { reportError(err); }
    await reload().catch(reportError);
    setBusy(false);
  };
  return (
    <li class={`token${token.revoked ? ' revoked' : ''}`} data-testid="token" data-token-id={token.id}>
      <div class="token-info">
        <strong>{token.name}</strong>{token.revoked ? <span class="role-tag">revoked</span> : null}
        <div class="muted"><code>{`${token.prefix}…`}</code>{` · created ${when(token.created_at)} · last used ${when(token.last_used_at)}`}</div>
      </div>
      {token.revoked ? null : <button type="button" class="danger" aria-label={`Revoke token ${token.name}`} disabled={busy} onClick={revoke}>Revoke</button>}
    </li>
  );
}

function Profile() {
  const [tokens, setTokens] = useState<Token[] | null>(null);
  const [secret, setSecret] = useState<NewToken | null>(null);
  const loadTokens = async () => {
    const data: { tokens: Token[] } = await api.get('/tokens');
    setTokens(data.tokens);
  };
  useEffect(() => { loadTokens().catch(reportError); }, []);

  const saveName = async (form: HTMLFormElement) => {
    const name = fieldValue(form, 'display_name').trim();
    if (!name) throw new Error('Enter a name');
    if (name === state.me.display_name) return;
    await actions.renameMe(name);
    toast('Name saved', 'info');
  };
  const changePassword = async (form: HTMLFormElement) => {
    await api.post('/me/password', { current_password: fieldValue(form, 'current_password'), new_password: fieldValue(form, 'new_password') });
    form.reset();
    toast('Password changed', 'info');
  };
  const createToken = async (form: HTMLFormElement) => {
    const name = fieldValue(form, 'token_name').trim();
    if (!name) throw new Error('Give the token a name');
    const created: NewToken = await api.post('/tokens', { name });
    form.reset();
    setSecret(created);
    await loadTokens();
  };

  let items: JSX.Element | JSX.Element[];
  if (!tokens) items = <li class="muted">Loading…</li>;
  else if (!tokens.length) items = <li class="muted">No tokens yet.</li>;
  else {
    items = [...tokens.filter((t) => !t.revoked), ...tokens.filter((t) => t.revoked)]
      .map((t) => <TokenItem key={t.id} token={t} reload={loadTokens} />);
  }
  return (
    <div class="dialog-body">
      <p class="muted">{`Signed in as ${state.me.email ?? state.me.username ?? state.me.display_name}.`}</p>
      <Section legend="Display name" testid="profile-name" submitLabel="Save name" run={saveName}>
        <Field label="Name people see"><input name="display_name" required maxLength={80} defaultValue={state.me.display_name} autocomplete="name" /></Field>
      </Section>
      <Section legend="Password" testid="profile-password" submitLabel="Change password" run={changePassword}>
        <Field label="Current password"><input name="current_password" type="password" required autocomplete="current-password" /></Field>
        <Field label="New password"><input name="new_password" type="password" required minLength={8} maxLength={256} autocomplete="new-password" /></Field>
        <p class="muted">At least 8 characters. Your other browser sessions are signed out; API tokens keep working.</p>
      </Section>
      <Section legend="Personal API tokens" testid="profile-tokens" submitLabel="Create token" run={createToken}>
        <p class="muted">Scripts and bots use a token as “Authorization: Bearer …” with the REST API.</p>
        <Field label="Token name"><input name="token_name" required maxLength={80} placeholder="e.g. deploy script" autocomplete="off" /></Field>
      </Section>
      <div class="token-secret" hidden={!secret} data-testid="token-secret" role="status">
        {secret
          ? (
            <OneTimeSecret value={secret.token} label={`Secret of token ${secret.name}`} noun="token" testid="new-token"
              onDone={() => setSecret(null)}>
              <strong>Copy this token now. </strong>
              It is shown only once: the server keeps no copy of it. Anyone who has it can act as you; revoke it if it leaks.
            </OneTimeSecret>
          )
          : null}
      </div>
      <ul class="token-list" data-testid="token-list">{items}</ul>
    </div>
  );
}

export function profileDialog(): void {
  openDialog('Your profile', <Profile />, { testid: 'profile-dialog', className: 'medium', focus: '.dialog-body input' });
}
