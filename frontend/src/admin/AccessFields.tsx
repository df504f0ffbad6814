// What a user and an API token share: a role, and the camera groups they are limited to.
import type { Role } from '../api/auth';
import { Field } from '../app/Field';
import { ROLE_HINTS, ROLES } from './users';

export function RoleField({ role, error, onChange }: { role: Role; error: string | undefined; onChange: (role: Role) => void }) {
  return (
    <Field label="Role" error={error} hint={ROLE_HINTS[role]}>
      {(props) => (
        <select {...props} value={role} onChange={(e) => { onChange(e.target.value as Role); }}>
          {ROLES.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

export function GroupLimitField({ groups, error, onChange }: { groups: string; error: string | undefined; onChange: (groups: string) => void }) {
  return (
    <Field
      label="Camera groups"
      error={error}
      hint="Comma-separated, e.g. north, gates: only cameras in one of these groups. Empty: every camera."
    >
      {(props) => <input {...props} value={groups} spellCheck={false} onChange={(e) => { onChange(e.target.value); }} />}
    </Field>
  );
}
