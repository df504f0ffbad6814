import type { Camera, CameraStatus } from '../api/client';
import { describeFailure } from '../api/probe';

/**
 * What an operator needs at a glance: the camera's state, with the reason
 * code when it is offline or in error, whether MediaMTX has caught up, and
 * (with several MediaMTX nodes) which node serves it.
 */
export function StatusBadge({ camera, status }: { camera: Camera; status: CameraStatus | undefined }) {
  const pending = camera.provisioning.state === 'pending' || camera.provisioning.state === 'deleting';
  const state = status?.state;
  const label = state ?? 'unknown';
  const code = status?.code && (state === 'offline' || state === 'error') ? status.code : null;
  const title = status?.reason ?? (code ? describeFailure(code) : undefined);
  return (
    <span className="badges">
      <span className={`badge badge-${label}`} title={title ?? undefined}>
        {label}
        {code ? <span className="badge-code"> {code}</span> : null}
      </span>
      {pending ? (
        <span className="badge badge-pending" title={camera.provisioning.detail ?? 'MediaMTX is being updated'}>
          {camera.provisioning.state}
        </span>
      ) : null}
      {camera.provisioning.state === 'error' ? (
        <span className="badge badge-error" title={camera.provisioning.detail ?? undefined}>
          provisioning error
        </span>
      ) : null}
      {status?.node ? (
        <span className="muted" title="The MediaMTX node serving it">
          on {status.node}
        </span>
      ) : null}
    </span>
  );
}
