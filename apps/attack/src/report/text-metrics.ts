// Text widths for ECharts' layout when it renders without a canvas. The charts are drawn with DejaVu Sans
// (Debian's fonts-dejavu-core; browsers fall back to their sans-serif), so these are its advance widths in
// ems; characters not listed take the width of a lowercase letter, and bold is about 13% wider.

export const FONT_FAMILY = 'DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif';

const WIDTHS: Readonly<Record<string, number>> = (() => {
  const table: Record<string, number> = {};
  const set = (chars: string, em: number): void => {
    for (const c of chars) table[c] = em;
  };
  set('0123456789', 0.636);
  set(' .,', 0.318);
  set(':;', 0.337);
  set('%', 0.95);
  set('-', 0.361);
  set('()[]', 0.39);
  set('/\\', 0.337);
  set("'’", 0.275);
  set('ilj', 0.278);
  set('ft', 0.37);
  set('r', 0.411);
  set('sz', 0.523);
  set('c', 0.55);
  set('kvxy', 0.585);
  set('aeo', 0.613);
  set('bdghnpqu', 0.634);
  set('w', 0.818);
  set('m', 0.974);
  set('IJ', 0.3);
  set('FLPT', 0.59);
  set('ESY', 0.63);
  set('ABKRVXZ', 0.685);
  set('CHNU', 0.74);
  set('DGOQ', 0.78);
  set('M', 0.863);
  set('W', 0.989);
  return table;
})();

/** Width in pixels of `text` in a CSS font shorthand such as "bold 15px DejaVu Sans" (12px by default). */
export function measureText(text: string, font?: string): { width: number } {
  const size = Number(/(\d+(?:\.\d+)?)px/.exec(font ?? '')?.[1] ?? 12);
  const bold = /\b(bold|[6-9]00)\b/.test(font ?? '') ? 1.13 : 1;
  let ems = 0;
  for (const c of text) ems += WIDTHS[c] ?? 0.62;
  return { width: ems * size * bold };
}
