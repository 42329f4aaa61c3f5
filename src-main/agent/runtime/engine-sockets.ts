/** Environment variables that locate engine sockets. */
export interface SocketEnv {
  DOCKER_HOST?: string;
  PODMAN_SOCK?: string;
  XDG_RUNTIME_DIR?: string;
}

/**
 * The Docker socket: `DOCKER_HOST` when it is a `unix://` URL, else the default path.
 * Null when `DOCKER_HOST` names a transport we do not speak (tcp, ssh).
 */
export function dockerSocketPath(env: SocketEnv): string | null {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return '/var/run/docker.sock';
  if (host.startsWith('unix://')) return host.slice('unix://'.length);
  return null;
}

/**
 * Podman socket candidates in the order they are tried (rootless before rootful). An explicit
 * `PODMAN_SOCK` is the only candidate: the operator chose it, so no other socket is used silently.
 */
export function podmanSocketCandidates(env: SocketEnv, uid: number | null): string[] {
  const out: string[] = [];
  const sock = env.PODMAN_SOCK?.trim();
  if (sock) return [sock.startsWith('unix://') ? sock.slice('unix://'.length) : sock];
  if (env.XDG_RUNTIME_DIR) out.push(`${env.XDG_RUNTIME_DIR}/podman/podman.sock`);
  if (uid !== null && uid !== 0) out.push(`/run/user/${uid}/podman/podman.sock`);
  out.push('/run/podman/podman.sock');
  return [...new Set(out)];
}
