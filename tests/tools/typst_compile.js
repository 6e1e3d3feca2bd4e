// typst_compile.js IN.typ OUT.pdf FONTDIR... - compiles one Typst file to PDF
// with @myriaddreamin/typst-ts-node-compiler (found through NODE_PATH; npm
// install it into a cache folder outside the repository). tests/bench.sh
// times it beside bantin. Exit 1 on a compile error.
const fs = require('fs');
const path = require('path');
const { NodeCompiler } = require('@myriaddreamin/typst-ts-node-compiler');
const [inp, outp, ...fontDirs] = process.argv.slice(2);
const dirs = fontDirs.concat(['/usr/share/fonts/truetype/noto']).filter(fs.existsSync);
const c = NodeCompiler.create({ workspace: '/', fontArgs: [{ fontPaths: dirs }] });
const pdf = c.pdf({ mainFilePath: path.resolve(inp) });
fs.writeFileSync(outp, pdf);
