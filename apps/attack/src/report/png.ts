// SVG to PNG with resvg (no browser, no canvas). resvg draws text only with fonts it was given, so the
// report looks for DejaVu Sans (Debian's fonts-dejavu-core) or Liberation Sans where Debian and most
// distributions install them; without either, the system's fonts are loaded and the log says so.
import { existsSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

const FONT_CANDIDATES: readonly { family: string; files: readonly string[] }[] = [
  {
    family: 'DejaVu Sans',
    files: [
      '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
      '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
      '/usr/share/fonts/TTF/DejaVuSans.ttf',
      '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
      '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
      '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans-Bold.ttf',
    ],
  },
  {
    family: 'Liberation Sans',
    files: [
      '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
      '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf',
      '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
      '/usr/share/fonts/liberation-sans/LiberationSans-Bold.ttf',
    ],
  },
];

export interface PngFonts {
  family: string | null;
  files: string[];
}

/** The first font family with a file on this machine, or none (then resvg uses the system's fonts). */
export function findFonts(exists: (path: string) => boolean = existsSync): PngFonts {
  for (const candidate of FONT_CANDIDATES) {
    const files = candidate.files.filter((file) => exists(file));
    if (files.length > 0) return { family: candidate.family, files };
  }
  return { family: null, files: [] };
}

/** The PNG of an SVG, `scale` times its size (2 reads sharply on high-density screens and in documents). */
export function svgToPng(svg: string, fonts: PngFonts, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font:
      fonts.family === null
        ? { loadSystemFonts: true }
        : {
            fontFiles: fonts.files,
            loadSystemFonts: false,
            defaultFontFamily: fonts.family,
            sansSerifFamily: fonts.family,
          },
  });
  return resvg.render().asPng();
}
