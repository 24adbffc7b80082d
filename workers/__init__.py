"""arq worker settings, tasks and cron jobs; each task is a thin call into domain/ or channels/."""
