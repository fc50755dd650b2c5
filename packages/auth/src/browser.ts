import open from 'open';

/**
 * True when this session can show a browser: not over SSH, and on Linux (and other X11/Wayland systems) a display
 * is set. Windows and macOS desktops always have one.
 */
export function hasDisplay(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (env['SSH_CONNECTION'] !== undefined && env['SSH_CONNECTION'] !== '') return false;
  if (platform === 'win32' || platform === 'darwin') return true;
  return Boolean(env['DISPLAY']) || Boolean(env['WAYLAND_DISPLAY']);
}

/** Opens a URL in the system browser through `open`; rejects when no launcher could be started. */
export async function openSystemBrowser(url: string): Promise<void> {
  await open(url, { wait: false });
}

function page(title: string, body: string): string {
  return (
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>exops</title>' +
    '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;line-height:1.5}</style></head>' +
    `<body><h1>${title}</h1><p>${body}</p></body></html>`
  );
}

/** The page the loopback redirect shows after a successful sign-in. */
export const SUCCESS_TEMPLATE = page('Signed in', 'exops has the sign-in it needs. You can close this tab and go back to the terminal.');

/** The page the loopback redirect shows after a failed sign-in; the terminal shows the reason. */
export const ERROR_TEMPLATE = page('Sign-in failed', 'The sign-in did not complete. The terminal shows why and what to do. You can close this tab.');
