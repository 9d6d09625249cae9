// UI icons as inline SVG, drawn on a 24x24 grid with round 2px strokes in the manner of the
// Feather/Lucide sets (the paths here are our own). Emoji are not used as icons: machines without
// an emoji font show empty boxes. Icons are decoration: the control carrying one keeps its own
// accessible name (aria-label or title), so every icon is aria-hidden.

type Shape = ['path', { d: string }] | ['circle', { cx: number; cy: number; r: number }]
  | ['rect', { x: number; y: number; width: number; height: number; rx: number }];

// name -> shapes: [tag, {attributes}] on the 24x24 grid.
const SHAPES = {
  x: [['path', { d: 'M18 6 6 18M6 6l12 12' }]],
  plus: [['path', { d: 'M12 5v14M5 12h14' }]],
  menu: [['path', { d: 'M4 6h16M4 12h16M4 18h16' }]],
  search: [['circle', { cx: 11, cy: 11, r: 7 }], ['path', { d: 'm20 20-4-4' }]],
  hash: [['path', { d: 'M4 9h16M4 15h16M10 3 8 21M16 3l-2 18' }]],
  lock: [['rect', { x: 4, y: 11, width: 16, height: 10, rx: 2 }], ['path', { d: 'M8 11V7a4 4 0 0 1 8 0v4' }]],
  megaphone: [['path', { d: 'M3 9.5v5L17 19V5z' }], ['path', { d: 'M7 15.8V18a2 2 0 0 0 4 0v-1' }], ['path', { d: 'M20.5 10v4' }]],
  paperclip: [['path', { d: 'm21 11.5-8.6 8.6a5.5 5.5 0 0 1-7.8-7.8l8.6-8.6a3.7 3.7 0 0 1 5.2 5.2l-8.6 8.6a1.8 1.8 0 0 1-2.6-2.6l7.9-7.9' }]],
  folder: [['path', { d: 'M3 6a2 2 0 0 1 2-2h4l2 3h8a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z' }]],
  pin: [['path', { d: 'M8.5 3h7M10 3v6.5L6.5 13v2h11v-2L14 9.5V3M12 15v6' }]],
  users: [['circle', { cx: 9, cy: 8, r: 4 }], ['path', { d: 'M2 21v-1a6 6 0 0 1 6-6h2a6 6 0 0 1 6 6v1' }],
    ['path', { d: 'M16 4.1a4 4 0 0 1 0 7.8M22 21v-1a6 6 0 0 0-4-5.7' }]],
  trash: [['path', { d: 'M3 6h18M8 6V4a1 1 0 0 1 1-1h6a1 1 0 0 1 1 1v2M19 6l-1 14a2 2 0 0 1-2 2H8a2 2 0 0 1-2-2L5 6' }],
    ['path', { d: 'M10 11v6M14 11v6' }]],
  pencil: [['path', { d: 'M17 3a2.8 2.8 0 0 1 4 4L7.5 20.5 2 22l1.5-5.5z' }], ['path', { d: 'm15 5 4 4' }]],
  'message-square': [['path', { d: 'M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z' }]],
  'smile-plus': [['path', { d: 'M21 12a9 9 0 1 1-7-8.8' }], ['path', { d: 'M8 14s1.5 2 4 2 4-2 4-2' }],
    ['path', { d: 'M9 9h.01M15 9h.01' }], ['path', { d: 'M16 5h6M19 2v6' }]],
  info: [['circle', { cx: 12, cy: 12, r: 10 }], ['path', { d: 'M12 16v-4M12 8h.01' }]],
  download: [['path', { d: 'M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4' }], ['path', { d: 'm7 10 5 5 5-5M12 15V3' }]],
  file: [['path', { d: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z' }], ['path', { d: 'M14 2v6h6' }]],
  'file-text': [['path', { d: 'M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8z' }], ['path', { d: 'M14 2v6h6' }],
    ['path', { d: 'M8 13h8M8 17h8M8 9h2' }]],
  image: [['rect', { x: 3, y: 3, width: 18, height: 18, rx: 2 }], ['circle', { cx: 9, cy: 9, r: 2 }],
    ['path', { d: 'm21 15-5-5L5 21' }]],
  upload: [['path', { d: 'M21 15v4a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2v-4' }], ['path', { d: 'm17 8-5-5-5 5M12 3v12' }]],
  'chevron-left': [['path', { d: 'm15 18-6-6 6-6' }]],
  bell: [['path', { d: 'M6 16V11a6 6 0 0 1 12 0v5l2 2H4z' }], ['path', { d: 'M10 21h4' }]],
  'bell-off': [['path', { d: 'M8.3 6.3A6 6 0 0 0 6 11v5l-2 2h14M18 14v-3a6 6 0 0 0-7.4-5.8' }], ['path', { d: 'M10 21h4' }],
    ['path', { d: 'm3 3 18 18' }]],
} satisfies Record<string, Shape[]>;

export type IconName = keyof typeof SHAPES;

/** An inline SVG icon: <Icon name="trash" /> or <Icon name="trash" extraClass="file-icon" />.
 *  Names are checked by the compiler, so a typo cannot become a blank button. */
export function Icon({ name, extraClass = '' }: { name: IconName; extraClass?: string }) {
  const shapes: Shape[] = SHAPES[name];
  return (
    <svg viewBox="0 0 24 24" width={24} height={24} fill="none" stroke="currentColor" stroke-width={2}
      stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"
      class={extraClass ? `icon-svg ${extraClass}` : 'icon-svg'} data-icon={name}>
      {shapes.map(([tag, attrs]) => {
        if (tag === 'path') return <path d={attrs.d} />;
        if (tag === 'circle') return <circle cx={attrs.cx} cy={attrs.cy} r={attrs.r} />;
        return <rect x={attrs.x} y={attrs.y} width={attrs.width} height={attrs.height} rx={attrs.rx} />;
      })}
    </svg>
  );
}
