// Hardhat 2 with the npm `solc` package as the compiler: the build machines cannot
// download compilers, so the compiler-download subtask is pointed at solc's soljson.js.
const { subtask } = require("hardhat/config");
const { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } = require("hardhat/builtin-tasks/task-names");
const solcPackage = require("solc/package.json");

const SOLC_VERSION = solcPackage.version;

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args, hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) {
    throw new Error(`hardhat.config.js compiles with the npm solc ${SOLC_VERSION}, not ${args.solcVersion}`);
  }
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: require("solc").version(),
  };
});

/** @type import('hardhat/config').HardhatUserConfig */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // Shanghai is the newest fork that both py-evm (embedded chain) and every node we target run.
      evmVersion: "shanghai",
    },
  },
  networks: {
    hardhat: { chainId: 31337, mining: { auto: true } },
  },
  paths: { sources: "./contracts", tests: "./tests/contracts", cache: "./cache", artifacts: "./artifacts" },
};
