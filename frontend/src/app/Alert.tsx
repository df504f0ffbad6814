import type { ReactNode } from 'react';

/** Something went wrong, said where it happened; nothing when all is well. */
export function Alert({
  message,
  inline = false,
  children,
}: {
  message: string | null | undefined;
  /** Inside a line of controls rather than a paragraph of its own. */
  inline?: boolean;
  /** What the reader can do about it, after the message. */
  children?: ReactNode;
}) {
  if (!message) {
    return null;
  }
  const Tag = inline ? 'span' : 'p';
  return (
    <Tag className="alert" role="alert">
      {message}
      {children ? <> {children}</> : null}
    </Tag>
  );
}
