// Command-line entry point for rankwatch (placeholder until the evaluate command lands).
console.error('rankwatch: no command yet');
process.exit(1);
