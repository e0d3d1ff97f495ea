/**
 * `npm run build [-- --out dir]`: the release. TypeScript compiled to JavaScript (tsconfig.build.json: the product's
 * folders only, no tests, no simulator), Cisco's WSDLs beside it, and the workflow bundle built once
 * (dist/workflow-bundle.js), which the compiled worker loads instead of bundling at start. The production image runs
 * this output with `node`, without tsx or any development package.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildWorkflowBundle, WORKFLOW_BUNDLE_FILE } from '../worker/bundle';

async function main(): Promise<void> {
  const outIndex = process.argv.indexOf('--out');
  const out = resolve(outIndex > 0 ? (process.argv[outIndex + 1] ?? 'dist') : 'dist');
  const root = resolve(__dirname, '..');
  rmSync(out, { recursive: true, force: true });
  const started = Date.now();
  execFileSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  // activities/cucm/wsdl.ts finds the WSDLs two folders above itself: dist/cisco-wsdl for dist/activities/cucm.
  cpSync(join(root, 'cisco-wsdl'), join(out, 'cisco-wsdl'), { recursive: true });
  const bundle = await buildWorkflowBundle();
  writeFileSync(join(out, WORKFLOW_BUNDLE_FILE), bundle.code);
  console.log(
    `[build] ${out}: compiled JavaScript and ${WORKFLOW_BUNDLE_FILE} (${Math.round(bundle.code.length / 1024)} KiB) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
