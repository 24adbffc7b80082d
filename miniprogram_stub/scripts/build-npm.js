// What WeChat DevTools' 工具 → 构建 npm does, for the packages this app uses: each dependency in package.json goes
// to miniprogram_npm/<name>/ — a mini-program package's own folder (its package.json "miniprogram" field), or a
// plain package's entry file as index.js (ours have no dependencies of their own to bundle).
const fs = require("node:fs");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const out = path.join(root, "miniprogram_npm");
const { dependencies } = require(path.join(root, "package.json"));

fs.rmSync(out, { recursive: true, force: true });
for (const name of Object.keys(dependencies)) {
  const dir = path.join(root, "node_modules", name);
  const meta = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const target = path.join(out, name);
  if (meta.miniprogram) {
    fs.cpSync(path.join(dir, meta.miniprogram), target, { recursive: true });
  } else {
    fs.mkdirSync(target, { recursive: true });
    fs.copyFileSync(path.join(dir, meta.main || "index.js"), path.join(target, "index.js"));
  }
}
console.log(`miniprogram_npm: ${Object.keys(dependencies).join(", ")}`);
