// jobs/ against a real Slurm: the test starts munged (unless one runs), slurmctld and slurmd
// on this machine with a slurm.conf of its own (its own ports, state and spool folders),
// submits the tiny pipeline through jobs/submit and checks that it writes what `sppo run`
// writes; then warns a training job with USR1 as `--signal=B:USR1@lead` would, and checks that
// it checkpointed, requeued itself and finished from its checkpoint with the weights of an
// uninterrupted run. The daemons it started are stopped by pid, even when a check fails.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <thread>

#include "pipeline/tiny_run.hpp"
#include "test_support.hpp"

namespace sppo {
namespace {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

pid_t pid_from(const std::string& file) {
  std::ifstream in(file);
  long pid = 0;
  in >> pid;
  return static_cast<pid_t>(pid);
}

// Stops a daemon: SIGTERM, up to 5 s, then SIGKILL.
void stop(pid_t pid) {
  if (pid <= 0 || ::kill(pid, 0) != 0) return;
  ::kill(pid, SIGTERM);
  for (int i = 0; i < 100 && ::kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (::kill(pid, 0) == 0) ::kill(pid, SIGKILL);
}

// One node, one partition, the machine's own CPU layout (slurmd -C).
class SlurmCluster {
 public:
  SlurmCluster() {
    const std::string host = trim(test::run_process({"hostname", "-s"}).out);
    std::string node = trim(test::run_process({"slurmd", "-C"}).out);
    node = node.substr(0, node.find('\n'));
    node = std::regex_replace(node, std::regex("RealMemory=[0-9]+"), "RealMemory=1000");
    const int port = 20000 + static_cast<int>(getpid() % 20000);
    for (const char* d : {"state", "spool"}) std::filesystem::create_directories(dir_.file(d));
    conf_ = dir_.file("slurm.conf");
    test::write_file(conf_, "ClusterName=sppotest\nSlurmctldHost=" + host + "\nSlurmctldPort=" + std::to_string(port) +
                                "\nSlurmdPort=" + std::to_string(port + 1) +
                                "\nSlurmUser=root\nSlurmdUser=root\nAuthType=auth/munge\nCredType=cred/munge\n"
                                "MpiDefault=pmix\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
                                "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
                                "AccountingStorageType=accounting_storage/none\nJobCompType=jobcomp/filetxt\n"
                                "JobCompLoc=" + dir_.file("jobcomp.log") + "\nJobRequeue=1\nMailProg=/bin/true\n"
                                "StateSaveLocation=" + dir_.file("state") + "\nSlurmdSpoolDir=" + dir_.file("spool") +
                                "\nSlurmctldPidFile=" + dir_.file("slurmctld.pid") + "\nSlurmdPidFile=" + dir_.file("slurmd.pid") +
                                "\nSlurmctldLogFile=" + dir_.file("slurmctld.log") + "\nSlurmdLogFile=" + dir_.file("slurmd.log") +
                                "\nReturnToService=2\n" + node + "\nPartitionName=test Nodes=" + host +
                                " Default=YES MaxTime=INFINITE State=UP\n");
    setenv("SLURM_CONF", conf_.c_str(), 1);
    // munged: reuse a running one, else start one (as the munge user) and stop it after.
    if (test::run_process({"bash", "-c", "munge -n | unmunge"}).exit_code != 0) {
      test::run_process({"bash", "-c", "mkdir -p /run/munge && chown munge:munge /run/munge"});
      const auto r = test::run_process({"runuser", "-u", "munge", "--", "/usr/sbin/munged"});
      EXPECT_EQ(r.exit_code, 0) << r.err;
      munged_ = pid_from("/run/munge/munged.pid");
    }
    for (const char* daemon : {"slurmctld", "slurmd"}) {
      const auto r = test::run_process({daemon, "-f", conf_});
      EXPECT_EQ(r.exit_code, 0) << daemon << ": " << r.err;
    }
    for (int i = 0; i < 300 && !idle(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ready_ = idle();
  }
  ~SlurmCluster() {
    test::run_process({"scancel", "--full", "--user=root"});
    stop(pid_from(dir_.file("slurmd.pid")));
    stop(pid_from(dir_.file("slurmctld.pid")));
    if (munged_ > 0) stop(munged_);
    unsetenv("SLURM_CONF");
  }
  SlurmCluster(const SlurmCluster&) = delete;
  SlurmCluster& operator=(const SlurmCluster&) = delete;

  bool ready() const { return ready_; }
  std::string log() const { return test::read_file(dir_.file("slurmctld.log")); }

  // "JobState" etc. of `scontrol show job`.
  std::map<std::string, std::string> job(const std::string& id) const {
    std::map<std::string, std::string> out;
    const std::string text = test::run_process({"scontrol", "show", "job", id}).out;
    const std::regex field("([A-Za-z]+)=([^ \n]*)");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), field); it != std::sregex_iterator(); ++it)
      out.emplace((*it)[1], (*it)[2]);
    return out;
  }

  // Waits for the job to end (up to `seconds`); its final JobState. A job that waits for its
  // requeue back-off (BeginTime, ~2 minutes) is started now.
  std::string wait(const std::string& id, int seconds = 400) const {
    int waiting_for_begin = 0;
    for (int i = 0; i < seconds * 5; ++i) {
      const auto j = job(id);
      const std::string state = j.count("JobState") ? j.at("JobState") : "UNKNOWN";
      if (state == "COMPLETED" || state == "FAILED" || state == "CANCELLED" || state == "TIMEOUT" || state == "NODE_FAIL")
        return state;
      if (state == "PENDING" && j.count("Reason") && j.at("Reason") == "BeginTime" && ++waiting_for_begin > 10)
        test::run_process({"scontrol", "update", "jobid=" + id, "StartTime=now"});
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return "TIMED OUT WAITING";
  }

 private:
  bool idle() const { return trim(test::run_process({"sinfo", "-h", "-o", "%T"}).out) == "idle"; }
  test::TempDir dir_;
  std::string conf_;
  pid_t munged_ = 0;
  bool ready_ = false;
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

class Slurm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "starting slurmctld/slurmd needs root (ctest reports the slurm entry as skipped)";
    cluster_ = std::make_unique<SlurmCluster>();
    ASSERT_TRUE(cluster_->ready()) << "the node never became idle; slurmctld log:\n" << cluster_->log();
    setenv("SPPO_BIN", test::sppo_binary().c_str(), 1);
  }
  void TearDown() override { cluster_.reset(); }
  std::unique_ptr<SlurmCluster> cluster_;
};

TEST_F(Slurm, SubmitRunsEveryIterationAndWritesWhatSppoRunWrites) {
  test::TempDir reference, dir;
  ASSERT_EQ(test::run_process(test::mpi_sppo(2, {"run", "--config", test::write_config(reference)})).exit_code, 0);
  const std::string config = test::write_config(dir);
  const auto submitted = test::run_process({"jobs/submit", "--config", config, "--sbatch", "-n 2 -o " + dir.file("slurm-%j.out")});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const auto ids = lines(submitted.out);
  ASSERT_EQ(ids.size(), 2u) << submitted.out;
  EXPECT_EQ(cluster_->job(ids[1])["Dependency"], "afterok:" + ids[0] + "(unfulfilled)");
  for (const auto& id : ids) {
    EXPECT_EQ(cluster_->wait(id), "COMPLETED") << test::read_file(dir.file("slurm-" + id + ".out"));
  }
  test::expect_same_results(dir.file("runs/t"), reference.file("runs/t"));
  const std::string log = test::read_file(dir.file("slurm-" + ids[1] + ".out"));
  EXPECT_NE(log.find("[sppo job " + ids[1] + " restart 0] iteration 1 done"), std::string::npos) << log;
  EXPECT_TRUE(std::filesystem::exists(dir.file("runs/t/eval/winrate-2.json")));
}

TEST_F(Slurm, AWarnedTrainingJobCheckpointsRequeuesAndEndsWithTheUninterruptedWeights) {
  test::TempDir dir;
  const std::string config = test::write_config(dir);
  const std::vector<std::string> longer{"--set", "train.epochs=150", "--set", "train.checkpoint_every=100000"};
  for (const char* stage : {"generate", "annotate"}) {
    std::vector<std::string> args{stage, "--config", config};
    const auto r = test::run_process(test::mpi_sppo(2, args));
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  std::vector<std::string> plain{"train", "--config", config, "--out", dir.file("plain")};
  plain.insert(plain.end(), longer.begin(), longer.end());
  ASSERT_EQ(test::run_process(test::mpi_sppo(2, plain)).exit_code, 0);

  std::vector<std::string> submit{"sbatch", "--parsable", "-n", "2", "-o", dir.file("slurm-%j.out"), "jobs/stage.sbatch", "train", config, "0"};
  submit.insert(submit.end(), longer.begin(), longer.end());
  setenv("SPPO_ROOT", std::filesystem::current_path().c_str(), 1);
  const auto r = test::run_process(submit);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string id = trim(r.out);
  // Training has made progress: warn the batch shell as Slurm's --signal=B:USR1@lead does.
  const std::string metrics = dir.file("runs/t/iter-0/metrics.csv");
  test::wait_for_lines(metrics, 30, 30000);
  ASSERT_EQ(test::run_process({"scancel", "--signal=USR1", "--batch", id}).exit_code, 0);
  EXPECT_EQ(cluster_->wait(id), "COMPLETED");
  const std::string log = test::read_file(dir.file("slurm-" + id + ".out"));
  EXPECT_NE(log.find("restart 0] USR1 (time limit or preemption ahead)"), std::string::npos) << log;
  EXPECT_NE(log.find("train: SIGUSR1: checkpointed at step"), std::string::npos) << log;
  EXPECT_NE(log.find("restart 0] requeueing job " + id + " (step status 3)"), std::string::npos) << log;
  EXPECT_NE(log.find("restart count 1"), std::string::npos) << log;
  EXPECT_NE(log.find("train: resuming from"), std::string::npos) << log;
  EXPECT_EQ(cluster_->job(id)["Restarts"], "1");
  EXPECT_LT(test::max_difference(dir.file("runs/t/iter-0/policy"), dir.file("plain")), 1e-5);
}

}  // namespace
}  // namespace sppo
