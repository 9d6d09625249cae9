// @ts-nocheck: typed in the next step of the TypeScript move (docs/frontend.md)
// "Your profile": display name, password and personal API tokens. Each part is its own form
// with its own error line, so a refusal in one (a wrong current password) is shown next to it.

import * as actions from '../actions';
import { api } from '../api';
import { formatFull, h } from '../dom';
import { state } from '../state';
import { reportError, toast } from '../toast';
import { field, openDialog } from './dialogs';

/** A form that shows its own error: run(form) may throw; the message appears above the button. */
function section(legend, testid, fields, submitLabel, run) {
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': `${testid}-error` });
  const submit = h('button', { type: 'submit' }, submitLabel);
  const form = h('form', { class: 'profile-section', 'data-testid': testid },
    h('fieldset', {}, h('legend', {}, legend), fields, error, h('div', { class: 'dialog-buttons' }, submit)));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      await run(form);
    } catch (err) {
      error.textContent = err.code === 'wrong_password' ? 'Your current password is not right.' : (err.message || 'Something went wrong');
      error.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

const when = (iso) => (iso ? formatFull(new Date(iso)) : 'never');

export function profileDialog() {
  const nameForm = section('Display name', 'profile-name',
    field('Name people see', h('input', { name: 'display_name', required: true, maxlength: 80, value: state.me.display_name, autocomplete: 'name' })),
    'Save name', async (form) => {
      const name = form.elements.display_name.value.trim();
      if (!name) throw new Error('Enter a name');
      if (name === state.me.display_name) return;
      await actions.renameMe(name);
      toast('Name saved', 'info');
    });

  const passwordForm = section('Password', 'profile-password', [
    field('Current password', h('input', { name: 'current_password', type: 'password', required: true, autocomplete: 'current-password' })),
    field('New password', h('input', { name: 'new_password', type: 'password', required: true, minlength: 8, maxlength: 256, autocomplete: 'new-password' })),
    h('p', { class: 'muted' }, 'At least 8 characters. Your other browser sessions are signed out; API tokens keep working.'),
  ], 'Change password', async (form) => {
    await api.post('/me/password', {
      current_password: form.elements.current_password.value, new_password: form.elements.new_password.value,
    });
    form.reset();
    toast('Password changed', 'info');
  });

  // --- personal API tokens ---
  const tokenList = h('ul', { class: 'token-list', 'data-testid': 'token-list' }, h('li', { class: 'muted' }, 'Loading…'));
  const secretBox = h('div', { class: 'token-secret', hidden: true, 'data-testid': 'token-secret', role: 'status' });
  const loadTokens = async () => {
    const { tokens } = await api.get('/tokens');
    const active = tokens.filter((t) => !t.revoked);
    const revoked = tokens.filter((t) => t.revoked);
    tokenList.replaceChildren(...(tokens.length ? [...active, ...revoked].map((t) => h('li', {
      class: `token${t.revoked ? ' revoked' : ''}`, 'data-testid': 'token', 'data-token-id': t.id },
    h('div', { class: 'token-info' },
      h('strong', {}, t.name), t.revoked ? h('span', { class: 'role-tag' }, 'revoked') : null,
      h('div', { class: 'muted' }, h('code', {}, `${t.prefix}…`), ` · created ${when(t.created_at)} · last used ${when(t.last_used_at)}`)),
    t.revoked ? null : h('button', { type: 'button', class: 'danger', 'aria-label': `Revoke token ${t.name}`, onclick: async (e) => {
      e.currentTarget.disabled = true;
      try {
        await api.del(`/tokens/${t.id}`);
        toast(`Token “${t.name}” revoked`, 'info');
        // Revoking closes all of our sockets; the banner shows while this tab reconnects.
      } catch (err) { reportError(err); }
      await loadTokens().catch(reportError);
    } }, 'Revoke'))) : [h('li', { class: 'muted' }, 'No tokens yet.')]));
  };
  const showSecret = (name, secret) => {
    const input = h('input', { readonly: true, value: secret, 'aria-label': `Secret of token ${name}`, 'data-testid': 'new-token',
      onfocus: (e) => e.target.select() });
    const copy = h('button', { type: 'button', class: 'secondary', onclick: () => {
      (navigator.clipboard?.writeText(secret) ?? Promise.reject(new Error('no clipboard')))
        .then(() => toast('Token copied', 'info'), () => { input.focus(); toast('Press Ctrl+C (⌘C) to copy the selected token', 'info'); });
    } }, 'Copy');
    secretBox.replaceChildren(
      h('p', { class: 'warning' }, h('strong', {}, 'Copy this token now. '), 'It is shown only once: the server keeps no copy of it. '
        + 'Anyone who has it can act as you; revoke it if it leaks.'),
      h('div', { class: 'inline-form' }, input, copy),
      h('button', { type: 'button', class: 'link', onclick: () => { secretBox.hidden = true; secretBox.replaceChildren(); } }, 'I have copied it'));
    secretBox.hidden = false;
    input.focus();
  };
  const tokenForm = section('Personal API tokens', 'profile-tokens', [
    h('p', { class: 'muted' }, 'Scripts and bots use a token as “Authorization: Bearer …” with the REST API.'),
    field('Token name', h('input', { name: 'token_name', required: true, maxlength: 80, placeholder: 'e.g. deploy script', autocomplete: 'off' })),
  ], 'Create token', async (form) => {
    const name = form.elements.token_name.value.trim();
    if (!name) throw new Error('Give the token a name');
    const created = await api.post('/tokens', { name });
    form.reset();
    showSecret(created.name, created.token);
    await loadTokens();
  });

  const dialog = openDialog('Your profile', h('div', { class: 'dialog-body' },
    h('p', { class: 'muted' }, `Signed in as ${state.me.email ?? state.me.username ?? state.me.display_name}.`),
    nameForm, passwordForm, tokenForm, secretBox, tokenList), { testid: 'profile-dialog' });
  dialog.classList.add('medium');
  nameForm.querySelector('input')?.focus();
  loadTokens().catch(reportError);
}
