import { execFileSync } from 'node:child_process';

/** True when GDAL's command-line tools (`gdalinfo`, `gdal_translate`) are installed. */
export function hasGdal(): boolean {
  try {
    execFileSync('gdalinfo', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
