/**
 * `npx tsx scripts/function-lengths.ts [folder...]`: the longest functions (declarations, methods, arrows and
 * function expressions) of the given folders, in lines, longest first. docs/development.md keeps workflow functions
 * under about 100 lines; test/unit/workflow-size.test.ts checks it with the same reading.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

export interface FunctionLength {
  file: string;
  name: string;
  lines: number;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name) return node.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent)) return parent.name.getText(source);
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(source);
  return '(anonymous)';
}

/** Every function of the folders with its length in lines, longest first. */
export function functionLengths(folders: readonly string[]): FunctionLength[] {
  const found: FunctionLength[] = [];
  for (const file of folders.flatMap(tsFiles)) {
    const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      if (ts.isFunctionLike(node) && 'body' in node && node.body) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
        found.push({ file, name: nameOf(node, source), lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found.sort((a, b) => b.lines - a.lines);
}

if (process.argv[1]?.endsWith('function-lengths.ts')) {
  const folders = process.argv.slice(2);
  for (const f of functionLengths(folders.length ? folders : ['workflows']).slice(0, 20)) {
    console.log(`${String(f.lines).padStart(4)}  ${f.file}  ${f.name}`);
  }
}
