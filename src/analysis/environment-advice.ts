/**
 * What to change when base and head fail the same way, so that the pull request is not
 * to blame: the setting that gives the project's code what it lacked, read from the
 * error itself. One generic sentence sent Polar's users (a settings class that wants a
 * value) to `--python`, which is not the answer since driftbot installs the project's
 * own dependencies.
 */
export function environmentAdvice(error: string): string {
  const missingModule = /\bNo module named '([^']+)'/.exec(error);
  if (missingModule) {
    return `the code imports ${missingModule[1]}, which its environment lacks: name the project's dependency files in python.requirements (a pyproject.toml with its lock, or requirements files), or add the folder that has it to python.paths`;
  }
  if (/\bValidationError\b.*\bSettings\b|\bvalidation errors? for \w*Settings\b|\bKeyError: '[A-Z][A-Z0-9_]*'|\benvironment variable\b/s.test(error)) {
    return "the project's settings lack values they read at import: give them in python.env, or name a dotenv file of the repository in python.env_file";
  }
  if (/\b(type|extension) "[^"]+" (does not exist|is not available)|could not open extension control file/.test(error)) {
    return 'the migrations need a Postgres extension this server does not have: give driftbot a server that has it (DRIFTBOT_DATABASE_URL)';
  }
  if (/\bNo such file or directory\b|\bFileNotFoundError\b/.test(error)) {
    return "the code reads a file where the project's container has it: lay the code out there with python.mounts, or point the setting that names it at {root}/… in python.env";
  }
  return "give the project's code what it needs: its dependency files (python.requirements), its settings (python.env, python.env_file), its layout (python.mounts), or a Postgres server with the extensions it uses (DRIFTBOT_DATABASE_URL)";
}
