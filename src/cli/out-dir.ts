import { randomBytes } from 'node:crypto';
import { access, constants, lstat, mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { AppError, isAppError } from '../core/errors.ts';
import { terminalSafe } from './terminal.ts';

const LOCK_NAME = '.srda-lst.lock';
/** `write`'s temp files and a streamed GeoTIFF's spill (cli/stage-files.ts): `.NAME.PID.HEX8[.tiles].tmp`. */
const TEMP_NAME = /^\..+\.(\d+)\.[0-9a-f]{8}(?:\.tiles)?\.tmp$/;

/** An output folder held by this run: files go in through `write`, `release` ends the hold. */
export interface OutDir {
  dir: string;
  /**
   * Writes `name` inside the folder: temp file created exclusively, then renamed over the name.
   * `bytes` may come in pieces (a GeoTIFF tile by tile), written in order as they come, or be
   * written by a function into the open temp file. On any failure the temp file is removed;
   * AppErrors (CANCELLED) pass through, other errors become WRITE_FAILED.
   */
  write: (
    name: string,
    bytes: Uint8Array | string | Iterable<Uint8Array> | ((fh: FileHandle) => Promise<unknown>),
  ) => Promise<string>;
  release: () => Promise<void>;
}

/** Writes pieces in order, gathered into writes of about 1 MiB (a COG tile comes as 3 small pieces). */
async function writePieces(fh: FileHandle, pieces: Iterable<Uint8Array>): Promise<void> {
  const buf = new Uint8Array(1 << 20);
  let n = 0;
  for (const p of pieces) {
    if (n + p.length > buf.length && n > 0) {
      await fh.write(buf, 0, n);
      n = 0;
    }
    if (p.length >= buf.length) await fh.write(p);
    else {
      buf.set(p, n);
      n += p.length;
    }
  }
  if (n > 0) await fh.write(buf, 0, n);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Creates `--out` when missing, refuses a path that is a file (or a link to one) or a folder this
 * user cannot write, and takes the folder's lock file so that two runs never write into it at
 * once: a second run fails at once naming the first one's process, and a lock left by a run that
 * died is taken over. Throws BAD_ARGUMENT or WRITE_FAILED naming the folder.
 */
export async function openOutDir(dir: string): Promise<OutDir> {
  const shown = terminalSafe(dir);
  const st = await stat(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? undefined : e));
  if (st instanceof Error)
    throw new AppError('WRITE_FAILED', `--out ${shown} cannot be used: ${st.message}`, {
      file: dir,
      cause: st,
    });
  if (st && !st.isDirectory())
    throw new AppError(
      'BAD_ARGUMENT',
      `--out ${shown} is a file, not a folder: pass a folder path (it is created if missing).`,
      {
        file: dir,
      },
    );
  if (!st) {
    try {
      await mkdir(dir, { recursive: true });
    } catch (e) {
      throw new AppError(
        'WRITE_FAILED',
        `--out ${shown} cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): choose a folder you can write to.`,
        { file: dir, cause: e },
      );
    }
  }
  try {
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (e) {
    throw new AppError('WRITE_FAILED', `--out ${shown} is not writable: choose a folder you can write to.`, {
      file: dir,
      cause: e,
    });
  }
  const lock = path.join(dir, LOCK_NAME);
  for (let attempt = 0; ; attempt++) {
    try {
      const fh = await open(lock, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new AppError(
          'WRITE_FAILED',
          `--out ${shown}: cannot create its lock file (${(e as Error).message}).`,
          {
            file: dir,
            cause: e,
          },
        );
      }
      const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) {
        throw new AppError(
          'WRITE_FAILED',
          `--out ${shown} is in use by another srda-lst run (process ${pid}): wait for it to finish or choose another folder.`,
          { file: dir },
        );
      }
      // A lock whose process is gone (or unreadable) is stale.
      await unlink(lock).catch(() => undefined);
    }
  }
  // Holding the lock, no other run writes here: temp files of another process are left by a killed
  // run (a streamed last stage keeps two, its spill included, for the whole stage).
  for (const n of await readdir(dir).catch(() => [] as string[])) {
    const m = TEMP_NAME.exec(n);
    if (m && Number(m[1]) !== process.pid) await rm(path.join(dir, n), { force: true }).catch(() => undefined);
  }
  let held = true;
  return {
    dir,
    write: async (name, bytes) => {
      const file = path.join(dir, name);
      const tmp = path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
      try {
        // 'wx' (O_CREAT | O_EXCL) never follows a planted link; rename replaces a link, not its target.
        const fh = await open(tmp, 'wx');
        try {
          if (typeof bytes === 'string' || bytes instanceof Uint8Array) await fh.writeFile(bytes);
          else if (typeof bytes === 'function') await bytes(fh);
          else await writePieces(fh, bytes);
        } finally {
          await fh.close();
        }
        const existing = await lstat(file).catch(() => undefined);
        if (existing?.isDirectory()) throw new Error('a folder has that name');
        await rename(tmp, file);
      } catch (e) {
        await rm(tmp, { force: true }).catch(() => undefined);
        if (isAppError(e)) throw e;
        throw new AppError('WRITE_FAILED', `${terminalSafe(file)}: ${(e as Error).message}`, {
          file,
          cause: e,
        });
      }
      return file;
    },
    release: async () => {
      if (!held) return;
      held = false;
      await unlink(lock).catch(() => undefined);
    },
  };
}
