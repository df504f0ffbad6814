/** A form's main button: it can't be pressed twice, and says so while the form is on its way. */
export function SubmitButton({
  label,
  busyLabel,
  busy,
  disabled = false,
}: {
  label: string;
  busyLabel: string;
  busy: boolean;
  /** Also not now, for another reason (a login's countdown). */
  disabled?: boolean;
}) {
  return (
    <button type="submit" className="primary" disabled={busy || disabled}>
      {busy ? busyLabel : label}
    </button>
  );
}
