// Sections whose server API is being built (outgoing webhooks): each shows what it will hold,
// with an empty table, so the page's structure is in place. To bring one to life: load its list
// in actions.ts into state (store.ts), render rows instead of <Upcoming>'s empty state, and give
// each row a <DeliveryLog kind="…" integrationId={…} /> (views/deliveries.tsx): their requests
// are deliveries like a bot's Events API requests (views/commands.tsx is the worked example).

function Upcoming({ testid, noun, columns, children }: {
  testid: string; noun: string; columns: string[]; children: string;
}) {
  return (
    <>
      <div class="section-intro">
        <p class="muted">{children}</p>
        <button type="button" disabled aria-describedby={`${testid}-soon`}>{`New ${noun.replace(/s$/, '')}`}</button>
      </div>
      <table class="integration-table" data-testid={`${testid}-table`}>
        <caption class="visually-hidden">{noun}</caption>
        <thead><tr>{columns.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
        <tbody>
          <tr>
            <td colSpan={columns.length} class="empty-state" data-testid={`${testid}-empty`}>
              {`No ${noun} yet. `}
              <span id={`${testid}-soon`}>{`Making ${noun} here is coming soon.`}</span>
            </td>
          </tr>
        </tbody>
      </table>
    </>
  );
}

/** Outgoing webhooks: /api/v1/workspaces/{id}/outgoing-webhooks, in the making. */
export function OutgoingWebhooks() {
  return (
    <Upcoming testid="outgoing-webhooks" noun="outgoing webhooks" columns={['Name', 'Channel', 'Trigger words', 'URL', 'Created']}>
      Send the messages of a channel that start with a trigger word to a URL of yours, and post its answer.
    </Upcoming>
  );
}
