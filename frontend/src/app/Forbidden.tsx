import type { Role } from '../api/auth';
import { Link } from './Link';

/** A page the role may not use: said plainly, rather than a form the server would refuse. */
export function Forbidden({ role, what }: { role: Role; what: string }) {
  return (
    <main className="page">
      <h1>Not available to your role</h1>
      <p>
        Your role ({role}) can&apos;t {what}. An admin can change your role. Go to the <Link href="/live">live view</Link>{' '}
        or the <Link href="/cameras">cameras</Link>.
      </p>
    </main>
  );
}
