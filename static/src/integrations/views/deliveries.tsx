// An integration's delivery log: the requests the server sent it, newest first, each with its
// status and its last attempt's numbers, every attempt on demand, and Replay. Any section adds
// one with <DeliveryLog kind=... integrationId=... />.

import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import type { Delivery } from '../../api/types';
import * as actions from '../actions';
import { formatDuration, STATUS_LABELS, summarize } from '../model';
import { logKey, state } from '../state';
import { ErrorLine, Loading, Tag, useAction, When } from './common';

const TONES = { pending: 'pending', delivered: 'good', failed: 'bad', given_up: 'bad' } as const;

function Attempts({ delivery }: { delivery: Delivery }) {
  return (
    <details class="attempts" data-testid="delivery-attempts">
      <summary>{`Attempts and request of delivery ${delivery.id}`}</summary>
      <p class="muted">{'Sent to '}<code class="clip">{delivery.url}</code></p>
      {delivery.attempt_log.length
        ? (
          <ol>
            {delivery.attempt_log.map((a) => (
              <li key={a.number} data-testid="delivery-attempt">
                <When iso={a.started_at} />
                {` · ${a.finished_at ? formatDuration(a.duration_ms) : 'running'}`}
                {a.status_code !== null ? ` · HTTP ${a.status_code}` : ''}
                {a.error ? <span class="log-error">{` · ${a.error}`}</span> : null}
                {a.response_excerpt ? <pre class="excerpt">{a.response_excerpt}</pre> : null}
              </li>
            ))}
          </ol>
        )
        : <p class="muted">No attempt yet.</p>}
      {delivery.next_attempt_at ? <p class="muted">Next attempt: <When iso={delivery.next_attempt_at} /></p> : null}
    </details>
  );
}

function DeliveryRow({ delivery }: { delivery: Delivery }) {
  const { busy, error, run } = useAction();
  const shown = summarize(delivery);
  return (
    <>
      <tr data-testid="delivery-row" data-delivery-id={delivery.id} data-status={delivery.status}>
        <td><When iso={delivery.created_at} /></td>
        <td>
          <code>{delivery.event}</code>
          {delivery.replay_of_id ? <span class="muted">{` replay of #${delivery.replay_of_id}`}</span> : null}
        </td>
        <td><Tag tone={TONES[delivery.status]}>{STATUS_LABELS[delivery.status]}</Tag></td>
        <td>{delivery.attempts}</td>
        <td>{shown.duration}</td>
        <td>{shown.httpStatus}</td>
        <td class="log-error">{shown.error}</td>
        <td><code class="clip" title={shown.excerpt}>{shown.excerpt}</code></td>
        <td class="row-actions">
          <button type="button" class="secondary" disabled={busy} aria-label={`Replay delivery ${delivery.id}`}
            data-testid="delivery-replay" onClick={() => run(() => actions.replayDelivery(delivery))}>Replay</button>
        </td>
      </tr>
      <tr class="attempts-row">
        <td colSpan={9}>
          <Attempts delivery={delivery} />
          <ErrorLine error={error} testid="delivery-error" />
        </td>
      </tr>
    </>
  );
}

export function DeliveryLog({ kind, integrationId, label }: { kind: string; integrationId: number; label: string }) {
  const key = logKey(kind, integrationId);
  useEffect(() => { void actions.loadDeliveries(kind, integrationId); }, [key]);
  const log = state.logs.get(key);
  let body: JSX.Element;
  if (!log || (log.loading && !log.deliveries.length)) body = <Loading what="deliveries" />;
  else if (!log.deliveries.length) {
    body = (
      <p class="empty-state" data-testid="deliveries-empty">
        {`No deliveries yet. Each request the server sends ${label} shows here, with every attempt.`}
      </p>
    );
  } else {
    body = (
      <table class="integration-table compact" data-testid="deliveries-table">
        <caption class="visually-hidden">{`Deliveries to ${label}, newest first`}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th>
            <th scope="col">Duration</th><th scope="col">HTTP</th><th scope="col">Error</th><th scope="col">Response</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>{log.deliveries.map((d) => <DeliveryRow key={d.id} delivery={d} />)}</tbody>
      </table>
    );
  }
  return (
    <section class="detail-part delivery-log" data-testid="delivery-log" aria-labelledby={`log-${key}`}>
      <div class="log-head">
        <h4 id={`log-${key}`}>Delivery log</h4>
        <button type="button" class="secondary" disabled={log?.loading ?? true} data-testid="deliveries-refresh"
          onClick={() => actions.loadDeliveries(kind, integrationId)}>Refresh</button>
      </div>
      <ErrorLine error={log?.error ?? null} testid="deliveries-error" />
      {body}
      {log?.hasMore
        ? (
          <button type="button" class="link" disabled={log.loading} data-testid="deliveries-older"
            onClick={() => actions.loadDeliveries(kind, integrationId, { older: true })}>Older deliveries</button>
        )
        : null}
    </section>
  );
}
