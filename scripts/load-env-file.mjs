/*
 * Preloaded by `npm start` and `npm run dev` (node --import): reads ./.env when there is one, as
 * --env-file-if-exists=.env did, without that flag's ".env not found. Continuing without it." on every start
 * without one (the usual case in containers and CI). A variable already set in the environment wins, as with
 * --env-file. `docker compose` reads .env itself; the image (node dist/index.js) never reads it.
 */
import { existsSync } from 'node:fs';

if (existsSync('.env')) process.loadEnvFile('.env');
