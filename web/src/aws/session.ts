// The signed-in identity: access key, secret and region, kept in this tab's sessionStorage only
// (gone when the tab closes; never in localStorage, cookies or the URL).
export interface Session { accessKeyId: string; secretAccessKey: string; region: string }

const KEY = 'osprey.session';

export function loadSession(): Session | undefined {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return s && typeof s.accessKeyId === 'string' && typeof s.secretAccessKey === 'string' && typeof s.region === 'string' ? s : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

/** Regions offered at sign-in (Custom Labels' regions); the server accepts any region name. */
export const REGIONS = ['us-east-1', 'us-east-2', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-central-1', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ap-northeast-1', 'ap-northeast-2'];
