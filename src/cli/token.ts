/**
 * `npm run token -- --sub 42 --role admin [--ttl 3600] [--secret S] [--iss I --aud A]`: mints a local
 * HS256 JWT with the secret from .dev.vars (or --secret / $JWT_SECRET) and prints it. `--iss`/`--aud`
 * for a Worker with APP_ENV other than development, which requires JWT_ISSUER and JWT_AUDIENCE.
 */
import { parseArgs } from "node:util";
import { localJwtSecret, mintToken } from "./lib/local-auth";

const { values } = parseArgs({
  options: {
    sub: { type: "string" },
    role: { type: "string", default: "user" },
    ttl: { type: "string", default: "86400" },
    secret: { type: "string" },
    iss: { type: "string" },
    aud: { type: "string" },
  },
});

const secret = values.secret ?? localJwtSecret();
const ttl = Number(values.ttl);
if (!values.sub || !["user", "admin", "service"].includes(values.role ?? "") || !Number.isInteger(ttl) || ttl <= 0) {
  console.error("usage: npm run token -- --sub <user id> --role user|admin|service [--ttl seconds] [--iss issuer --aud audience]");
  process.exit(2);
}
if (!secret) {
  console.error("no JWT secret: create .dev.vars (see .dev.vars.example) or pass --secret");
  process.exit(2);
}
console.log(await mintToken(values.sub, values.role ?? "user", ttl, secret, { iss: values.iss, aud: values.aud }));
